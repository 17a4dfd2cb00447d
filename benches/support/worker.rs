//! The `strait` worker process a bench measures: the release binary cargo builds for benches
//! (`CARGO_BIN_EXE_strait`), started in distributed mode alone in its own group with internal
//! topics of its own, its output in a log file whose tail explains an early exit.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use super::{Rest, STARTUP_LIMIT};

/// The `strait` process; killed if still running when dropped (an error path).
pub struct Worker {
    child: Child,
    /// The file that takes the worker's stdout and stderr.
    pub log: PathBuf,
}

impl Worker {
    /// Starts `bin distributed <properties>` with its output going to `log`.
    pub fn start(bin: &Path, properties: &Path, log: &Path) -> Result<Self> {
        let out = File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
        let err = out.try_clone()?;
        let child = Command::new(bin)
            .arg("distributed")
            .arg(properties)
            .env("STRAIT_LOG", "info")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        Ok(Self {
            child,
            log: log.to_path_buf(),
        })
    }

    /// The worker's process id, for the `/proc` meters.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Fails with the last lines of the log when the worker has exited.
    pub fn check_alive(&mut self) -> Result<()> {
        if let Some(status) = self.child.try_wait()? {
            let text = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(30).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            bail!(
                "the worker exited ({status}); last lines of {}:\n{}",
                self.log.display(),
                tail.join("\n")
            );
        }
        Ok(())
    }

    /// SIGTERM, then up to 15 s for a graceful stop, then SIGKILL.
    pub fn stop(mut self) -> Result<()> {
        let pid = self.pid().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("the worker did not stop within 15 s of SIGTERM; killing it");
        let _ = self.child.kill();
        let _ = self.child.wait();
        Ok(())
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Writes the properties of a distributed worker alone in group `group`, with internal topics
/// `bench_{configs,offsets,status}_{id}` (which the bench deletes afterwards) and its REST
/// listener on `port`.
pub fn write_worker_properties(
    path: &Path,
    bootstrap: &str,
    port: u16,
    group: &str,
    id: &str,
) -> Result<()> {
    let text = format!(
        "bootstrap.servers={bootstrap}\n\
         group.id={group}\n\
         config.storage.topic=bench_configs_{id}\n\
         offset.storage.topic=bench_offsets_{id}\n\
         status.storage.topic=bench_status_{id}\n\
         config.storage.replication.factor=1\n\
         offset.storage.replication.factor=1\n\
         status.storage.replication.factor=1\n\
         key.converter=org.apache.kafka.connect.json.JsonConverter\n\
         value.converter=org.apache.kafka.connect.json.JsonConverter\n\
         offset.flush.interval.ms=1000\n\
         listeners=http://127.0.0.1:{port}\n"
    );
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// A port nobody listens on right now (for the worker's REST listener).
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot find a free port")?;
    Ok(listener.local_addr()?.port())
}

/// Waits until `GET /health` answers 200 (the worker has restored its state and accepts changes;
/// before that it answers writes with 409), for at most [`STARTUP_LIMIT`]; fails early if the worker exits.
pub async fn wait_for_rest(rest: &Rest, worker: &mut Worker) -> Result<()> {
    let deadline = Instant::now() + STARTUP_LIMIT;
    loop {
        worker.check_alive()?;
        match rest.call("GET", "/health", None) {
            Ok((200, _)) => return Ok(()),
            Ok(_) | Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Ok((status, body)) => bail!("GET /health answered {status}: {body}"),
            Err(e) => {
                return Err(e).context(format!(
                    "the worker's REST API did not answer within {STARTUP_LIMIT:?}"
                ))
            }
        }
    }
}
