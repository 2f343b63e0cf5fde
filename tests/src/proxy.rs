//! A TCP proxy that cuts connections, to lose answers on purpose.
//!
//! Each connection is forwarded both ways until the server has sent it a
//! set number of bytes; then both sides are closed at once, so requests the
//! server already handled never get their answer and the client resends
//! them. After `cuts` connections it forwards without cutting, so a test
//! always finishes.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub struct CuttingProxy {
    addr: SocketAddr,
    cut: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl CuttingProxy {
    /// Proxies to `target`, cutting each of the first `cuts` connections
    /// after the server has sent it between `min_bytes` and about twice
    /// that (varied per connection, so cuts land in different places).
    pub async fn start(target: &str, cuts: usize, min_bytes: usize) -> CuttingProxy {
        let target: SocketAddr = target
            .trim_start_matches("http://")
            .parse()
            .expect("target is host:port");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let cut = Arc::new(AtomicUsize::new(0));
        let counter = cut.clone();
        let task = tokio::spawn(async move {
            let mut n = 0usize;
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(target).await else {
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let limit = (n < cuts).then(|| min_bytes + (n * 7919) % min_bytes.max(1));
                n += 1;
                tokio::spawn(forward(client, server, limit, counter.clone()));
            }
        });
        CuttingProxy { addr, cut, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Connections cut so far.
    pub fn cuts(&self) -> usize {
        self.cut.load(Ordering::Relaxed)
    }
}

impl Drop for CuttingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(
    client: TcpStream,
    server: TcpStream,
    limit: Option<usize>,
    cut: Arc<AtomicUsize>,
) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let upstream = async {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if server_write.write_all(&buf[..n]).await.is_err() {
                        return;
                    }
                }
            }
        }
    };
    let downstream = async {
        let mut buf = vec![0u8; 64 * 1024];
        let mut sent = 0usize;
        loop {
            match server_read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    let mut n = n;
                    if let Some(limit) = limit {
                        if sent + n >= limit {
                            n = limit.saturating_sub(sent);
                            let _ = client_write.write_all(&buf[..n]).await;
                            cut.fetch_add(1, Ordering::Relaxed);
                            return;
                        }
                    }
                    if client_write.write_all(&buf[..n]).await.is_err() {
                        return;
                    }
                    sent += n;
                }
            }
        }
    };
    // Whichever direction ends first ends the connection: dropping all four
    // halves closes both sockets.
    tokio::select! {
        _ = upstream => {}
        _ = downstream => {}
    }
}
