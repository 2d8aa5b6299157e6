#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Catalog loading: the built-in files, the operator directory, and a table of bad definitions
//! whose errors must name the file, the line and the reason.

use std::collections::BTreeMap;

use super::catalog::BUILT_IN;
use super::*;

#[test]
fn every_built_in_definition_loads_and_every_file_is_built_in() {
    // Arrange
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../vendors");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    on_disk.sort();
    // Act
    let catalog = Catalog::load(None).unwrap();
    // Assert
    let built_in: Vec<String> = BUILT_IN.iter().map(|(n, _)| (*n).to_owned()).collect();
    assert_eq!(on_disk, built_in, "vendors/ and catalog::BUILT_IN differ");
    let slugs: Vec<&str> = catalog.iter().map(|d| d.slug.as_str()).collect();
    assert_eq!(
        slugs,
        [
            "atera",
            "autotask",
            "auvik",
            "connectwise-automate",
            "connectwise-psa",
            "datto-rmm",
            "demo",
            "halopsa",
            "hudu",
            "huntress",
            "itglue",
            "knowbe4",
            "mcp-server",
            "microsoft-365",
            "ninjaone",
            "sentinelone",
            "syncro",
        ]
    );
    for def in catalog.iter() {
        assert_eq!(format!("{}.toml", def.slug), def.source);
        let setup = def
            .setup
            .as_ref()
            .unwrap_or_else(|| panic!("{}: no [setup]", def.slug));
        assert!(!setup.location.is_empty() && !setup.permissions.is_empty());
        for tool in &def.tools {
            assert!(def.slug.len() + 2 + tool.name.len() <= MAX_TOOL_NAME);
        }
    }
    for slug in ["autotask", "itglue", "ninjaone", "demo"] {
        let def = catalog.get(slug).unwrap();
        assert!(def.tools.len() >= 5, "{slug} has too few tools");
        assert!(
            def.tools.iter().filter(|t| t.destructive).count() >= 2,
            "{slug} needs writes"
        );
        assert!(def.tools.iter().all(|t| !(t.destructive && t.read_only)));
    }
    assert!(matches!(
        catalog.get("mcp-server").unwrap().kind,
        VendorKind::McpServer
    ));
    assert_eq!(catalog.get("autotask").unwrap().limits.concurrency, 3);
}

#[test]
fn list_tools_get_a_bounded_limit_argument() {
    let catalog = Catalog::load(None).unwrap();
    let tool = catalog
        .get("itglue")
        .unwrap()
        .tool("list_organizations")
        .unwrap();
    assert!(tool.list);
    assert_eq!(
        tool.input_schema
            .pointer("/properties/limit/maximum")
            .unwrap(),
        50
    );
    assert_eq!(tool.input_schema["additionalProperties"], false);
}

#[test]
fn an_operator_directory_adds_definitions_and_cannot_replace_built_ins() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let extra =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../vendors/demo.toml"))
            .unwrap()
            .replace("slug = \"demo\"", "slug = \"demo-two\"");
    std::fs::write(dir.path().join("demo-two.toml"), &extra).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
    // Act
    let catalog = Catalog::load(Some(dir.path())).unwrap();
    // Assert
    assert!(catalog.get("demo-two").is_some());
    std::fs::write(
        dir.path().join("again.toml"),
        extra.replace("demo-two", "demo"),
    )
    .unwrap();
    let err = Catalog::load(Some(dir.path())).unwrap_err();
    assert!(err.file.ends_with("again.toml"));
    assert!(err.reason.contains("already defined by demo.toml"), "{err}");
}

const GOOD: &str = r#"slug = "acme"
name = "Acme"
category = "PSA"
description = "Test vendor."
docs = ["https://acme.example/docs"]
kind = "http"

[[form]]
name = "api_key"
label = "API key"
kind = "secret"
required = true

[base_url]
url = "https://api.acme.example"

[auth]
scheme = "api_key_header"
header = "X-Api-Key"
value = "{api_key}"

[check]
path = "/me"

[[tools]]
name = "get_thing"
title = "Get a thing"
description = "One thing."
path = "/things/{id}"
examples = [{ id = "1" }]
[tools.input_schema]
type = "object"
required = ["id"]
properties.id = { type = "string" }
"#;

fn load(text: &str) -> Result<Catalog, CatalogError> {
    Catalog::from_sources(vec![("acme.toml".into(), text.into())])
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn the_template_definition_used_below_is_valid() {
    load(GOOD).unwrap();
}

#[test]
fn bad_definitions_are_refused_with_file_line_and_reason() {
    let long = "x".repeat(60);
    // (what, replace this, with this, expected reason fragment, line containing)
    let cases: Vec<(&str, String, &str, &str)> = vec![
        ("syntax error", GOOD.replace("name = \"Acme\"", "name = \"Acme"), "", "name = \"Acme"),
        ("unknown key", GOOD.replace("category = \"PSA\"", "category = \"PSA\"\ncolour = \"red\""), "unknown field", "colour"),
        ("bad slug", GOOD.replace("slug = \"acme\"", "slug = \"Acme Corp\""), "must match ^[a-z0-9-]+$", "slug ="),
        ("duplicate tool", format!("{GOOD}\n# the second\n[[tools]]\nname = \"get_thing\"\ntitle = \"t\"\ndescription = \"d\"\npath = \"/x\"\nexamples = [{{}}]\n"), "defined twice", "# the second"),
        ("tool name too long", GOOD.replace("name = \"get_thing\"", &format!("name = \"{long}\"")), "the limit is 64", "[[tools]]"),
        ("bad JSON schema", GOOD.replace("properties.id = { type = \"string\" }", "properties.id = { type = \"strin\" }"), "bad input_schema", "[[tools]]"),
        ("unsupported schema keyword", GOOD.replace("properties.id = { type = \"string\" }", "properties.id = { oneOf = [] }"), "unsupported JSON Schema keyword", "[[tools]]"),
        ("unknown auth scheme", GOOD.replace("scheme = \"api_key_header\"", "scheme = \"magic\""), "unknown auth scheme `magic`", "[auth]"),
        ("undefined field in a template", GOOD.replace("value = \"{api_key}\"", "value = \"{api_token}\""), "`api_token`, which is not a form field", "[auth]"),
        ("undefined argument in a path", GOOD.replace("path = \"/things/{id}\"", "path = \"/things/{thing}\""), "`thing`, which is not defined", "[[tools]]"),
        ("example outside the schema", GOOD.replace("examples = [{ id = \"1\" }]", "examples = [{ id = 1 }]"), "does not fit the input_schema", "[[tools]]"),
        ("optional path argument", GOOD.replace("required = [\"id\"]\n", ""), "must be a required string or integer", "[[tools]]"),
        ("plain http base URL", GOOD.replace("https://api.acme.example", "http://api.acme.example"), "must start with https://", "[base_url]"),
        ("http kind without check", GOOD.replace("[check]\npath = \"/me\"\n", ""), "needs [base_url], [auth] and [check]", "kind ="),
        ("tool timeout of zero", GOOD.replace("path = \"/things/{id}\"", "path = \"/things/{id}\"\ntimeout_seconds = 0"), "timeout_seconds must be between 1 and 300", "[[tools]]"),
        ("vendor timeout too long", format!("{GOOD}\n[limits]\ntimeout_seconds = 301\n"), "timeout_seconds between 1 and 300", "slug ="),
        ("two paging styles", GOOD.replace("path = \"/things/{id}\"", "path = \"/things/{id}\"\npaging = { page_param = \"page\", cursor_from = \"/next\" }"), "paging needs one of", "[[tools]]"),
        ("parameter of another scheme", GOOD.replace("value = \"{api_key}\"", "value = \"{api_key}\"\ntoken = \"{api_key}\""), "`token` does not apply", "[auth]"),
    ];
    for (what, text, reason, at) in &cases {
        let err = match load(text) {
            Err(e) => e,
            Ok(_) => panic!("{what}: loaded"),
        };
        assert_eq!(err.file, "acme.toml", "{what}");
        assert!(
            err.reason.contains(reason),
            "{what}: reason was {:?}",
            err.reason
        );
        // A `# comment` marks the line before the expected one.
        let expected = line_of(text, at) + usize::from(at.starts_with('#'));
        assert_eq!(err.line, expected, "{what}: {err}");
        assert!(err
            .to_string()
            .starts_with(&format!("acme.toml:{}: ", err.line)));
    }
}

#[test]
fn a_tool_may_have_its_own_timeout_and_others_keep_the_vendors() {
    let text = GOOD.replace(
        "path = \"/things/{id}\"",
        "path = \"/things/{id}\"\ntimeout_seconds = 90",
    );
    let catalog = load(&format!("{text}\n[limits]\ntimeout_seconds = 20\n")).unwrap();
    let def = catalog.get("acme").unwrap();
    assert_eq!(def.limits.timeout, std::time::Duration::from_secs(20));
    assert_eq!(
        def.tool("get_thing").unwrap().timeout,
        Some(std::time::Duration::from_secs(90))
    );
    let plain = load(GOOD).unwrap();
    assert_eq!(
        plain
            .get("acme")
            .unwrap()
            .tool("get_thing")
            .unwrap()
            .timeout,
        None
    );
}

#[test]
fn form_values_are_checked_and_split_into_settings_and_secrets() {
    // Arrange
    let catalog = Catalog::load(None).unwrap();
    let itglue = catalog.get("itglue").unwrap();
    let mut form = BTreeMap::new();
    form.insert("api_key".to_owned(), " ITG.abc123 ".to_owned());
    // Act
    let ok = itglue.validate_form(&form).unwrap();
    // Assert: the select default applied, the key trimmed and kept secret.
    assert_eq!(ok.settings.get("region").map(String::as_str), Some("us"));
    assert!(ok.secrets.contains_key("api_key") && !ok.settings.contains_key("api_key"));
    assert!(!format!("{ok:?}").contains("abc123"));

    form.insert("api_key".into(), "not-a-key".into());
    form.insert("region".into(), "mars".into());
    let errors = itglue.validate_form(&form).unwrap_err().0;
    assert!(errors["api_key"].contains("does not look right"));
    assert!(!errors["api_key"].contains("not-a-key"));
    assert!(errors["region"].contains("Choose one of"));

    let mcp = catalog.get("mcp-server").unwrap();
    for (url, ok) in [
        ("https://mcp.example.com/mcp", true),
        ("http://mcp.example.com", false),
        ("https://u:p@h.example", false),
        ("nope", false),
    ] {
        let form = BTreeMap::from([("url".to_owned(), url.to_owned())]);
        assert_eq!(mcp.validate_form(&form).is_ok(), ok, "{url}");
    }
    let empty = catalog
        .get("autotask")
        .unwrap()
        .validate_form(&BTreeMap::new())
        .unwrap_err()
        .0;
    assert_eq!(empty.len(), 3);
}

#[test]
fn a_joined_query_value_loads_and_a_malformed_one_is_refused_with_its_line() {
    // Arrange
    let with = |query: &str| {
        GOOD.replace(
            "path = \"/things/{id}\"",
            &format!("path = \"/things/{{id}}\"\nquery = {{ conditions = {query} }}"),
        )
    };
    let good = with(r#"{ join = " and ", parts = ["owner={id}", 'status="{id}"'] }"#);
    // Act
    let catalog = load(&good).unwrap();
    // Assert
    let tool = catalog.get("acme").unwrap().tool("get_thing").unwrap();
    let query = &tool.request.as_ref().unwrap().request.query;
    let QueryValue::Joined { separator, parts } = &query[0].1 else {
        panic!("{query:?}")
    };
    assert_eq!(separator, " and ");
    assert_eq!(parts[1].as_str(), "status=\"{id}\"");
    for (what, query, reason) in [
        ("no parts", r#"{ join = " and " }"#, "a joined value is"),
        (
            "empty parts",
            r#"{ join = " and ", parts = [] }"#,
            "a joined value is",
        ),
        (
            "a part not text",
            r#"{ join = " and ", parts = [1] }"#,
            "a joined value is",
        ),
        (
            "another key",
            r#"{ join = " and ", parts = ["a"], x = 1 }"#,
            "a joined value is",
        ),
        (
            "undefined argument",
            r#"{ join = " and ", parts = ["owner={who}"] }"#,
            "`who`, which is not defined",
        ),
    ] {
        let text = with(query);
        let err = load(&text)
            .err()
            .unwrap_or_else(|| panic!("{what}: loaded"));
        assert!(err.reason.contains(reason), "{what}: {}", err.reason);
        assert_eq!(err.line, line_of(&text, "[[tools]]"), "{what}");
    }
}
const EXCHANGE: &str = r#"slug = "acme"
name = "Acme"
category = "RMM"
description = "Test vendor."
docs = ["https://acme.example/docs"]
kind = "http"

[[form]]
name = "user"
label = "User"
kind = "text"
required = true

[[form]]
name = "password"
label = "Password"
kind = "secret"
required = true

[base_url]
url = "https://api.acme.example"

[auth]
scheme = "token_exchange"
token_url = "/auth/token"
body = { login = "{user}", secret = "{password}" }
token_pointer = "/token"
expires_in_pointer = "/ttl"

[check]
path = "/me"
"#;

#[test]
fn a_token_exchange_loads_with_its_defaults() {
    let catalog = load(EXCHANGE).unwrap();
    let VendorKind::Http(spec) = &catalog.get("acme").unwrap().kind else {
        panic!()
    };
    let AuthScheme::TokenExchange(x) = &spec.auth else {
        panic!()
    };
    assert_eq!(x.method, Method::Post);
    assert_eq!(
        (x.header.as_str(), x.prefix.as_str()),
        ("Authorization", "Bearer ")
    );
    assert!(matches!(&x.expiry, TokenExpiry::InSeconds(p) if p == "/ttl"));
    assert!(matches!(&x.body, ExchangeBody::Json(b) if b["login"] == "{user}"));
}

#[test]
fn bad_token_exchanges_are_refused_with_the_line_and_reason() {
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "no token pointer",
            EXCHANGE.replace("token_pointer = \"/token\"\n", ""),
            "needs `token_pointer`",
        ),
        (
            "no URL",
            EXCHANGE.replace("token_url = \"/auth/token\"\n", ""),
            "needs `token_url`",
        ),
        (
            "plain http URL",
            EXCHANGE.replace("\"/auth/token\"", "\"http://acme.example/token\""),
            "must be a path starting with / or an https URL",
        ),
        (
            "pointer without /",
            EXCHANGE.replace("\"/token\"", "\"token\""),
            "is not a JSON pointer",
        ),
        (
            "two expiries",
            EXCHANGE.replace(
                "expires_in_pointer = \"/ttl\"",
                "expires_in_pointer = \"/ttl\"\nexpires_at_pointer = \"/at\"",
            ),
            "not both",
        ),
        (
            "body and form",
            EXCHANGE.replace("token_pointer", "form = { a = \"{user}\" }\ntoken_pointer"),
            "`body` or `form`, not both",
        ),
        (
            "body naming no field",
            EXCHANGE.replace("{password}", "{pin}"),
            "`pin`, which is not a form field",
        ),
        (
            "header naming no field",
            EXCHANGE.replace(
                "token_pointer",
                "headers = { ClientId = \"{client}\" }\ntoken_pointer",
            ),
            "`client`, which is not a form field",
        ),
        (
            "GET with a body",
            EXCHANGE.replace("token_pointer", "method = \"GET\"\ntoken_pointer"),
            "GET token exchange cannot send a body",
        ),
        (
            "unknown method",
            EXCHANGE.replace("token_pointer", "method = \"DELETE\"\ntoken_pointer"),
            "method `DELETE`",
        ),
        (
            "body not a table",
            EXCHANGE.replace(
                "body = { login = \"{user}\", secret = \"{password}\" }",
                "body = \"{user}\"",
            ),
            "must be a table",
        ),
        (
            "key of another scheme",
            EXCHANGE.replace("token_pointer", "client_id = \"{user}\"\ntoken_pointer"),
            "`client_id` does not apply",
        ),
        (
            "exchange key on another scheme",
            EXCHANGE.replace(
                "scheme = \"token_exchange\"",
                "scheme = \"bearer\"\ntoken = \"{password}\"",
            ),
            "does not apply to auth scheme `bearer`",
        ),
    ];
    let line = EXCHANGE.lines().position(|l| l == "[auth]").unwrap() + 1;
    for (what, text, reason) in cases {
        let err = match load(&text) {
            Err(e) => e,
            Ok(_) => panic!("{what}: loaded"),
        };
        assert!(err.reason.contains(reason), "{what}: {err}");
        assert_eq!(err.line, line, "{what}: {err}");
    }
}

#[test]
fn http_list_tools_get_a_cursor_argument_and_may_not_define_their_own() {
    let catalog = Catalog::load(None).unwrap();
    let tool = catalog
        .get("itglue")
        .unwrap()
        .tool("list_organizations")
        .unwrap();
    assert_eq!(tool.input_schema["properties"]["cursor"]["type"], "string");
    assert!(tool.input_schema["properties"].get("page").is_none());
    // The in-process demo vendor pages with its own argument.
    let demo = catalog.get("demo").unwrap().tool("list_tickets").unwrap();
    assert!(demo.input_schema["properties"].get("cursor").is_none());
    let own = GOOD
        .replace(
            "path = \"/things/{id}\"",
            "path = \"/things/{id}\"\nresponse = { items = \"/data\" }",
        )
        .replace(
            "properties.id = { type = \"string\" }",
            "properties.id = { type = \"string\" }\nproperties.cursor = { type = \"string\" }",
        );
    let err = load(&own).unwrap_err();
    assert!(
        err.reason
            .contains("`cursor` is the engine's paging argument"),
        "{err}"
    );
}
