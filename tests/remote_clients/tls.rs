//! HTTPS against a local rustls server whose certificate comes from a
//! private test CA (`tls/ca.pem`; the CA's key was thrown away, and the
//! server's key is for these tests only, valid until 2126).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;

use opsdeck::collect::http::{HttpClient, HttpOptions};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::{client, client_with, options, url};

const SERVER_CERT: &[u8] = include_bytes!("tls/server.pem");
const SERVER_KEY: &[u8] = include_bytes!("tls/server.key");

fn ca_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/remote_clients/tls/ca.pem")
}

/// Serves `up 1` over TLS to each connection, on a plain thread (blocking
/// rustls), until the test process ends.
fn https_server() -> SocketAddr {
    let cert = CertificateDer::from_pem_slice(SERVER_CERT).expect("server cert");
    let key = PrivateKeyDer::from_pem_slice(SERVER_KEY).expect("server key");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .expect("server config");
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let Ok(conn) = rustls::ServerConnection::new(config.clone()) else {
                continue;
            };
            let mut tls = rustls::StreamOwned::new(conn, stream);
            // Clients that reject our certificate fail here: next one.
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match tls.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let reply = "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\
                         content-length: 5\r\nconnection: close\r\n\r\nup 1\n";
            let _ = tls.write_all(reply.as_bytes());
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    addr
}

async fn scrape(http: &HttpClient, addr: SocketAddr) -> Result<Vec<u8>, String> {
    let target = url(&format!("https://{addr}/metrics"));
    http.get_metrics(&target)
        .await
        .map(|b| b.bytes)
        .map_err(|e| format!("{}: {e}", e.kind()))
}

#[tokio::test]
async fn an_unknown_ca_is_refused_with_a_hint() {
    let addr = https_server();
    let err = scrape(&client(), addr).await.expect_err("untrusted CA");
    assert!(err.starts_with("tls: "), "{err}");
    assert!(
        err.contains("TLS handshake failed: invalid peer certificate"),
        "{err}"
    );
    assert!(
        err.ends_with("(set ca_file, or insecure_skip_verify)"),
        "{err}"
    );
}

#[tokio::test]
async fn the_ca_file_is_trusted() {
    let addr = https_server();
    let http = client_with(HttpOptions {
        ca_file: Some(ca_file()),
        ..options()
    });
    assert_eq!(scrape(&http, addr).await.as_deref(), Ok(&b"up 1\n"[..]));
    assert!(!http.insecure());
}

#[tokio::test]
async fn insecure_skip_verify_accepts_any_certificate() {
    let addr = https_server();
    let http = client_with(HttpOptions {
        insecure_skip_verify: true,
        ..options()
    });
    assert!(http.insecure());
    assert_eq!(scrape(&http, addr).await.as_deref(), Ok(&b"up 1\n"[..]));
}
