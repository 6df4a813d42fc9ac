//! `local-front`: the local stand-in for API Gateway's HTTP API (and a demo identity provider)
//! that `scripts/run-local` starts. For local use only: it binds loopback addresses only.
//!
//! ```text
//! local-front serve    [STACK OPTIONS] [--function LOGICAL_ID=URL]... [--bind ADDR]
//!                      [--idp-bind ADDR] [--users FILE] [--key-file FILE] [--idp-audience AUD]
//!                      [--emulator URL] [--messaging URL] [--quiet]
//! local-front describe [STACK OPTIONS]      # the template as the local stack sees it, as JSON
//!
//! STACK OPTIONS: --template FILE (template.yaml) --stack-name NAME (ivschat-local)
//!                --region REGION (us-east-1) --account-id ID (123456789012)
//!                --parameter NAME=VALUE (repeatable; sam deploy's --parameter-overrides)
//! ```

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use local_front::{
    DemoUsers, Front, FrontConfig, IdentityProvider, SigningKey, StackSettings, Template, describe,
    spawn_journal_log,
};

const USAGE: &str = "usage: local-front serve|describe [--template FILE] [--parameter NAME=VALUE]... \
[--function LOGICAL_ID=URL]... [--bind ADDR] [--idp-bind ADDR] [--users FILE] [--key-file FILE] \
[--emulator URL] [--messaging URL] [--quiet] (see the crate documentation)";

#[derive(Debug)]
struct Options {
    command: String,
    template: PathBuf,
    stack: StackSettings,
    functions: BTreeMap<String, String>,
    bind: SocketAddr,
    idp_bind: Option<SocketAddr>,
    users: PathBuf,
    key_file: PathBuf,
    idp_audience: Option<String>,
    emulator: Option<String>,
    messaging: Option<String>,
    quiet: bool,
}

fn loopback(flag: &str, value: &str) -> Result<SocketAddr, String> {
    let address: SocketAddr = value
        .parse()
        .map_err(|_| format!("{flag}: `{value}` is not IP:PORT"))?;
    if !address.ip().is_loopback() {
        return Err(format!(
            "{flag}: `{value}` is not a loopback address; the local front and its demo sign-in (no passwords) only listen on 127.0.0.0/8 or ::1"
        ));
    }
    Ok(address)
}

fn pair(flag: &str, value: &str) -> Result<(String, String), String> {
    value
        .split_once('=')
        .filter(|(name, _)| !name.is_empty())
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .ok_or_else(|| format!("{flag}: `{value}` must be NAME=VALUE"))
}

fn http_url(flag: &str, value: &str, schemes: &[&str]) -> Result<String, String> {
    if schemes.iter().any(|s| value.starts_with(s)) {
        Ok(value.trim_end_matches('/').to_owned())
    } else {
        Err(format!(
            "{flag}: `{value}` must start with {}",
            schemes.join(" or ")
        ))
    }
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut args = args.iter();
    let command = args.next().cloned().ok_or(USAGE)?;
    if !matches!(command.as_str(), "serve" | "describe") {
        return Err(format!("unknown command `{command}`; {USAGE}"));
    }
    let mut options = Options {
        command,
        template: PathBuf::from("template.yaml"),
        stack: StackSettings::default(),
        functions: BTreeMap::new(),
        bind: loopback("--bind", "127.0.0.1:4500")?,
        idp_bind: None,
        users: PathBuf::from("local/demo-users.toml"),
        key_file: PathBuf::from(".local-run/idp-key.pem"),
        idp_audience: None,
        emulator: None,
        messaging: None,
        quiet: false,
    };
    while let Some(flag) = args.next() {
        if flag == "--quiet" {
            options.quiet = true;
            continue;
        }
        if flag == "-h" || flag == "--help" {
            return Err(USAGE.to_owned());
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag}: needs a value"))?
            .as_str();
        match flag.as_str() {
            "--template" => options.template = PathBuf::from(value),
            "--stack-name" => options.stack.stack_name = value.to_owned(),
            "--region" => options.stack.region = value.to_owned(),
            "--account-id" => {
                if value.len() != 12 || !value.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(format!("--account-id: `{value}` must be 12 digits"));
                }
                options.stack.account_id = value.to_owned();
            }
            "--parameter" => {
                let (name, value) = pair(flag, value)?;
                options.stack.parameters.insert(name, value);
            }
            "--function" => {
                let (name, url) = pair(flag, value)?;
                let url = http_url(flag, &url, &["http://"])?;
                options.functions.insert(name, url);
            }
            "--bind" => options.bind = loopback(flag, value)?,
            "--idp-bind" => options.idp_bind = Some(loopback(flag, value)?),
            "--users" => options.users = PathBuf::from(value),
            "--key-file" => options.key_file = PathBuf::from(value),
            "--idp-audience" => options.idp_audience = Some(value.to_owned()),
            "--emulator" => options.emulator = Some(http_url(flag, value, &["http://"])?),
            "--messaging" => options.messaging = Some(http_url(flag, value, &["ws://", "wss://"])?),
            other => return Err(format!("unknown flag `{other}`; {USAGE}")),
        }
    }
    Ok(options)
}

async fn bind(address: SocketAddr, what: &str) -> Result<tokio::net::TcpListener, String> {
    tokio::net::TcpListener::bind(address).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            format!(
                "{address} ({what}) is already in use: is ./scripts/run-local already running? Stop it first, or pick other ports"
            )
        } else {
            format!("{address} ({what}): {e}")
        }
    })
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

async fn serve(options: Options, template: Template) -> Result<(), String> {
    let idp_url = options.idp_bind.map(|a| format!("http://{a}"));
    if let Some(idp_url) = &idp_url {
        for authorizer in template.authorizers.values() {
            if authorizer.issuer != *idp_url {
                return Err(format!(
                    "the authorizer {} trusts the issuer {} but the identity provider will be {idp_url}: pass --parameter JwtIssuer={idp_url} (or the parameter your template's issuer names)",
                    authorizer.name, authorizer.issuer
                ));
            }
        }
    }
    let api_listener = bind(options.bind, "the HTTP API front").await?;
    let idp_listener = match options.idp_bind {
        Some(address) => Some(bind(address, "the identity provider").await?),
        None => None,
    };
    let port = options.bind.port();
    let routes = template.routes.len();
    let front = Front::new(FrontConfig {
        template: template.clone(),
        functions: options.functions.clone(),
        account_id: options.stack.account_id.clone(),
        port,
        emulator_url: options.emulator.clone(),
        messaging_url: options.messaging.clone(),
        idp_url: idp_url.clone(),
        log_requests: !options.quiet,
    })
    .map_err(|e| e.to_string())?;
    let mut tasks = Vec::new();
    if let (Some(listener), Some(idp_url)) = (idp_listener, &idp_url) {
        let users = DemoUsers::load(&options.users).map_err(|e| e.to_string())?;
        let (key, generated) =
            SigningKey::load_or_generate(&options.key_file).map_err(|e| e.to_string())?;
        if generated {
            println!(
                "local-front: generated the identity provider's signing key in {} (git-ignored; delete it to make a new one)",
                options.key_file.display()
            );
        }
        let audience = options
            .idp_audience
            .clone()
            .or_else(|| {
                template
                    .authorizers
                    .values()
                    .next()
                    .and_then(|a| a.audiences.first().cloned())
            })
            .ok_or("--idp-audience: the template has no JWT authorizer to take an audience from")?;
        let idp = Arc::new(IdentityProvider::new(idp_url, &audience, key, users));
        let names: Vec<String> = idp
            .users()
            .users
            .iter()
            .map(|u| format!("{} ({})", u.username, u.groups.join(",")))
            .collect();
        println!(
            "local-front: identity provider on {idp_url}: FOR LOCAL USE ONLY, demo users sign in without a password: {}",
            names.join(", ")
        );
        tasks.push(tokio::spawn(idp.serve(listener, shutdown_signal())));
    }
    if let Some(emulator) = &options.emulator
        && !options.quiet
    {
        tasks.push(tokio::spawn({
            let handle = spawn_journal_log(emulator);
            async move {
                shutdown_signal().await;
                handle.abort();
                Ok(())
            }
        }));
    }
    println!(
        "local-front: HTTP API on http://{} ({routes} routes from {}); the chat page is http://{}/",
        options.bind,
        options.template.display(),
        options.bind
    );
    println!("local-front: ready");
    Arc::new(front)
        .serve(api_listener, shutdown_signal())
        .await
        .map_err(|e| e.to_string())?;
    for task in tasks {
        let _ = task.await;
    }
    Ok(())
}

async fn run(args: Vec<String>) -> Result<(), String> {
    let options = parse(&args)?;
    let template = Template::load(&options.template, &options.stack).map_err(|e| e.to_string())?;
    match options.command.as_str() {
        "describe" => {
            println!(
                "{}",
                serde_json::to_string_pretty(&describe(&template)).map_err(|e| e.to_string())?
            );
            Ok(())
        }
        _ => serve(options, template).await,
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("local-front: {error}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn flags_are_checked_naming_the_flag() {
        let error = |list: &[&str]| parse(&args(list)).expect_err("invalid");
        assert!(error(&["serve", "--bind", "0.0.0.0:4500"]).contains("--bind"));
        assert!(error(&["serve", "--bind", "0.0.0.0:4500"]).contains("loopback"));
        assert!(error(&["serve", "--function", "Fn"]).contains("NAME=VALUE"));
        assert!(error(&["serve", "--function", "Fn=ftp://x"]).contains("http://"));
        assert!(error(&["serve", "--account-id", "12"]).contains("12 digits"));
        assert!(error(&["serve", "--nope", "1"]).contains("--nope"));
        assert!(error(&["launch"]).contains("launch"));
        let ok = parse(&args(&[
            "serve",
            "--parameter",
            "A=b=c",
            "--function",
            "Fn=http://127.0.0.1:1/",
        ]))
        .expect("valid");
        assert_eq!(ok.stack.parameters["A"], "b=c");
        assert_eq!(ok.functions["Fn"], "http://127.0.0.1:1");
    }
}
