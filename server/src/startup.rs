//! Building and running the application from validated settings.

use std::{
    future::Future,
    net::SocketAddr,
    sync::{atomic::AtomicBool, Arc},
};

use anyhow::Context as _;
use app::state::{AppState, AppStateInner};
use axum::{serve::ListenerExt as _, Router};
use domain::{
    auth::oidc::IdentityProviders,
    config::Settings,
    connections::{tools::ToolCache, Deps, GatewayTools},
    db,
    mcp::{McpEndpoint, ToolProvider},
    outbound::Outbound,
    vault::Vault,
    vendors::{Catalog, Engine},
};
use leptos::config::LeptosOptions;
use tokio::{net::TcpListener, task::JoinHandle};

use crate::{routes, sessions};

/// A built gateway: database connected and migrated, listener bound, router ready.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    purge_tasks: Vec<JoinHandle<()>>,
    usage_writer: domain::usage::UsageWriter,
    metrics_addr: Option<SocketAddr>,
}

/// How often stale rows (abandoned onboardings) are deleted.
const HOUSEKEEPING_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// Hourly deletion of stale rows; a failure is logged and retried at the next tick.
fn spawn_housekeeping(
    db: sea_orm::DatabaseConnection,
    audit_retention: time::Duration,
    oauth: domain::oauth::OAuthSettings,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(HOUSEKEEPING_INTERVAL);
        loop {
            tick.tick().await;
            let now = domain::OffsetDateTime::now_utc();
            match domain::tenants::purge_stale_onboardings(&db, now).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "deleted abandoned tenant onboardings"),
                Err(e) => tracing::warn!(error = %e, "deleting abandoned onboardings failed"),
            }
            match domain::audit::purge_older_than(&db, now - audit_retention).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "deleted audit events past their retention"),
                Err(e) => tracing::warn!(error = %e, "deleting old audit events failed"),
            }
            // Tool-call usage is kept as long as the audit log.
            match domain::usage::purge_older_than(&db, now - audit_retention).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "deleted tool-call usage past its retention"),
                Err(e) => tracing::warn!(error = %e, "deleting old tool-call usage failed"),
            }
            match domain::oauth::housekeeping(&db, &oauth, now).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(
                    deleted = n,
                    "deleted unused OAuth clients, spent codes and expired tokens"
                ),
                Err(e) => tracing::warn!(error = %e, "OAuth housekeeping failed"),
            }
        }
    })
}

/// The vendor-connection services: the vault under the master key (and the previous one during a
/// rotation), the guarded outbound client, the vendor engine and the catalog (a bad vendor
/// definition stops start-up, naming the file and line).
fn connection_deps(
    settings: &Settings,
    db: &sea_orm::DatabaseConnection,
    outbound: Outbound,
) -> anyhow::Result<Deps> {
    let copy =
        |key: &domain::crypto::MasterKey| domain::crypto::MasterKey::from_bytes(*key.expose());
    let vault = Vault::new(
        copy(&settings.master_key),
        settings.previous_master_key.as_ref().map(copy),
    );
    let catalog = Catalog::load(settings.connections.vendors_dir.as_deref())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Deps {
        db: db.clone(),
        vault,
        engine: Engine::with_settings(outbound, None, settings.connections.reliability)
            .with_cursor_key(&settings.master_key),
        catalog,
        allow_unchecked: settings.connections.allow_unchecked,
        portal_url: settings.public_url.origin(),
        oauth: domain::connections::vendor_oauth::VendorOAuth::new(
            settings.connections.oauth_apps.clone(),
        ),
    })
}

impl Application {
    /// Connects and migrates the database, then binds `settings.bind`.
    pub async fn build(settings: Settings, leptos_options: LeptosOptions) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.bind)
            .await
            .with_context(|| format!("Failed to listen on {} (GATEWAY_BIND)", settings.bind))?;
        Self::build_with_listener(settings, leptos_options, listener).await
    }

    /// Like [`Application::build`] on an already bound listener (tests bind port 0 first).
    pub async fn build_with_listener(
        settings: Settings,
        leptos_options: LeptosOptions,
        listener: TcpListener,
    ) -> anyhow::Result<Self> {
        Self::build_with_tools(settings, leptos_options, listener, None).await
    }

    /// Like [`Application::build_with_listener`]; `tools` replaces the vendor connections as the
    /// supplier of `/v1/mcp`'s tools (protocol tests use a fixture supplier).
    pub async fn build_with_tools(
        settings: Settings,
        leptos_options: LeptosOptions,
        listener: TcpListener,
        tools: Option<Arc<dyn ToolProvider>>,
    ) -> anyhow::Result<Self> {
        // Bound first: a taken metrics port stops start-up before anything else is done.
        let metrics_listener = match settings.metrics_listen {
            Some(addr) => Some(crate::metrics::bind(addr).await?),
            None => None,
        };
        let metrics = metrics_listener
            .as_ref()
            .map(|_| Arc::new(domain::metrics::Metrics::new()));
        let db = db::connect(&settings.database).await?;
        db::migrate(&db).await?;
        tracing::info!(
            backend = db::backend_name(&db),
            "database ready, migrations applied"
        );
        let identity_providers = IdentityProviders::from_settings(&settings)
            .context("Failed to set up the identity providers")?;
        let outbound = domain::outbound::Outbound::new(settings.outbound.clone())
            .context("Failed to build the outbound HTTP client")?;
        let connections = connection_deps(&settings, &db, outbound.clone())?;
        let tool_cache = ToolCache::default();
        // Tool-list changes reach the other replicas (PostgreSQL LISTEN/NOTIFY).
        let change_feed = domain::connections::change_feed::start(&db, &tool_cache)
            .await
            .context("Failed to listen for tool-list changes on the database")?;
        let (usage, usage_writer) =
            domain::usage::spawn(db.clone(), domain::usage::BatchSettings::default());
        let tools: Arc<dyn ToolProvider> = tools.unwrap_or_else(|| {
            let tools = GatewayTools::new(connections.clone(), tool_cache.clone(), usage);
            Arc::new(match &metrics {
                Some(metrics) => tools.with_metrics(metrics.clone()),
                None => tools,
            })
        });
        let mcp = Arc::new(McpEndpoint::new(tools.clone(), &settings.master_key));
        let state = AppState::new(AppStateInner {
            access_tokens: domain::oauth::AccessTokenCache::default(),
            connections,
            tool_cache,
            identity_providers,
            outbound,
            registration_limiter: app::state::registration_limiter(),
            db: db.clone(),
            settings: Arc::new(settings),
            leptos_options,
            draining: Arc::new(AtomicBool::new(false)),
            mcp,
            tools,
        });
        let (portal, session_purge) =
            sessions::layer(routes::portal(&state), &db, &state.settings).await?;
        let mut purge_tasks = vec![
            session_purge,
            spawn_housekeeping(
                db.clone(),
                state.settings.audit_retention,
                state.settings.oauth.clone(),
            ),
        ];
        purge_tasks.extend(change_feed);
        let mut router = routes::app(state.clone(), portal);
        let mut metrics_addr = None;
        if let (Some(listener), Some(metrics)) = (metrics_listener, metrics) {
            metrics_addr = Some(listener.local_addr()?);
            tracing::info!(address = ?metrics_addr, "serving /metrics on its own listener");
            router = router
                .layer(axum::middleware::from_fn_with_state(
                    metrics.clone(),
                    crate::metrics::track,
                ))
                .layer(axum::Extension(metrics.clone()));
            purge_tasks.push(crate::metrics::serve(listener, state.clone(), metrics));
        }
        Ok(Self {
            listener,
            router,
            state,
            purge_tasks,
            usage_writer,
            metrics_addr,
        })
    }

    /// The bound address (the real port when the configuration asked for port 0).
    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        self.listener
            .local_addr()
            .context("Failed to read the listening address")
    }

    /// The metrics listener's bound address, when `metrics_listen` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// The shared state (tests inspect the database through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then stops accepting connections, lets in-flight
    /// requests finish for at most `shutdown_grace`, writes the queued tool-call usage records
    /// and closes the database pool.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Self {
            listener,
            router,
            state,
            purge_tasks,
            usage_writer,
            metrics_addr: _,
        } = self;
        let grace = state.settings.shutdown_grace;
        let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
        let draining = state.draining.clone();
        // Answers are written in several frames (headers, then body; SSE events one by one):
        // without TCP_NODELAY the later ones can wait for the client's delayed ACK.
        let listener = listener.tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::debug!(%error, "TCP_NODELAY not set on an accepted connection");
            }
        });
        let server = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown.await;
            draining.store(true, std::sync::atomic::Ordering::SeqCst);
            let _ = stopping_tx.send(());
        });
        let deadline = async move {
            if stopping_rx.await.is_ok() {
                tokio::time::sleep(grace).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            result = server => result.context("HTTP server failed")?,
            () = deadline => tracing::warn!(?grace, "requests still running after the shutdown grace period; exiting anyway"),
        }
        for task in purge_tasks {
            task.abort();
        }
        // After the last request, before the pool closes: queued tool-call usage is written.
        usage_writer.shutdown().await;
        // `close` takes the connection by value; a clone shares the pool, so this closes it.
        if let Err(e) = state.db.clone().close().await {
            tracing::warn!(error = %e, "closing the database pool failed");
        }
        tracing::info!("stopped");
        Ok(())
    }
}
