//! A small TCP fault proxy for tests (in the spirit of Toxiproxy): it forwards to an upstream
//! address, or hangs, slows down, resets connections, or answers HTTP 500/429 itself. The fault
//! is chosen per connection when it is accepted; changing it closes the connections the proxy
//! holds, so a client's pooled connection cannot carry the old behaviour on.

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::watch,
    task::JoinHandle,
};

/// What the proxy does with a new connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forwards both ways.
    Pass,
    /// Reads the request and never answers.
    Hang,
    /// Waits this long, then forwards.
    Slow(Duration),
    /// Reads the request, then resets the connection (RST).
    Reset,
    /// Answers this HTTP status itself (`Retry-After: 60` with a 429), then closes.
    Status(u16),
}

pub struct FaultProxy {
    /// `http://127.0.0.1:<port>`.
    pub origin: String,
    fault: watch::Sender<Fault>,
    accepted: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultProxy {
    /// Listens on a free loopback port, forwarding to `upstream` until told otherwise.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let (fault, _) = watch::channel(Fault::Pass);
        let accepted = Arc::new(AtomicUsize::new(0));
        let (faults, count) = (fault.clone(), accepted.clone());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let mut changes = faults.subscribe();
                let fault = *changes.borrow_and_update();
                tokio::spawn(async move {
                    tokio::select! {
                        () = handle(client, upstream, fault) => {}
                        _ = changes.changed() => {}
                    }
                });
            }
        });
        Self {
            origin,
            fault,
            accepted,
            task,
        }
    }

    /// Switches the fault for new connections and closes the open ones.
    pub fn set(&self, fault: Fault) {
        self.fault.send_replace(fault);
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// Reads until the end of the request head (or the peer stops sending).
async fn read_head(client: &mut TcpStream) {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match client.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buffer[..n]),
        }
    }
}

async fn handle(mut client: TcpStream, upstream: SocketAddr, fault: Fault) {
    match fault {
        Fault::Pass => forward(client, upstream).await,
        Fault::Slow(delay) => {
            tokio::time::sleep(delay).await;
            forward(client, upstream).await;
        }
        Fault::Hang => {
            read_head(&mut client).await;
            // Hold the connection until the client goes away (or the fault changes).
            let mut buffer = [0u8; 1024];
            while matches!(client.read(&mut buffer).await, Ok(n) if n > 0) {}
        }
        Fault::Reset => {
            read_head(&mut client).await;
            let _ = client.set_zero_linger();
            drop(client);
        }
        Fault::Status(status) => {
            read_head(&mut client).await;
            let reason = if status == 429 {
                "Too Many Requests\r\nRetry-After: 60"
            } else {
                "Internal Server Error"
            };
            let body = r#"{"errors":[{"title":"injected by the fault proxy"}]}"#;
            let response = format!(
                "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = client.write_all(response.as_bytes()).await;
            let _ = client.shutdown().await;
        }
    }
}

async fn forward(mut client: TcpStream, upstream: SocketAddr) {
    if let Ok(mut server) = TcpStream::connect(upstream).await {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
    }
}
