//! Meters read from `/proc`: a process's memory (`/proc/<pid>/status`) and CPU time
//! (`/proc/<pid>/stat`). Linux only, like the test services; reading `/proc` needs no extra crate
//! and costs the measured process nothing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use anyhow::{Context, Result};

use super::RSS_SAMPLE_EVERY;

/// A field of `/proc/<pid>/status` given in kB (`VmRSS`, `VmHWM`).
pub fn proc_status_kb(pid: u32, field: &str) -> Result<u64> {
    let path = format!("/proc/{pid}/status");
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    text.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .with_context(|| format!("{path} has no {field}"))
}

/// User + system CPU seconds of process `pid`.
pub fn proc_cpu_seconds(pid: u32) -> Result<f64> {
    cpu_seconds(&format!("/proc/{pid}/stat"))
}

/// User + system CPU seconds of this (the bench) process.
pub fn own_cpu_seconds() -> Result<f64> {
    cpu_seconds("/proc/self/stat")
}

/// utime + stime of a `stat` file, in clock ticks of 1/100 s (the `USER_HZ` of every mainstream
/// Linux build).
fn cpu_seconds(path: &str) -> Result<f64> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
    // Fields after the parenthesised command name, which may itself hold spaces.
    let rest = text
        .rsplit_once(')')
        .map(|(_, r)| r)
        .with_context(|| format!("{path} is malformed"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the name.
    let ticks = |i: usize| -> Result<u64> {
        fields
            .get(i)
            .and_then(|f| f.parse().ok())
            .with_context(|| format!("{path} has no field {}", i + 3))
    };
    Ok((ticks(11)? + ticks(12)?) as f64 / 100.0)
}

/// Samples a process's `VmRSS` every [`RSS_SAMPLE_EVERY`] on its own thread and keeps the peak.
pub struct RssSampler {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<(u64, usize)>,
}

impl RssSampler {
    /// Starts sampling process `pid`.
    pub fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            let (mut peak, mut samples) = (0, 0);
            while !flag.load(Ordering::Relaxed) {
                if let Ok(kb) = proc_status_kb(pid, "VmRSS") {
                    peak = peak.max(kb);
                    samples += 1;
                }
                std::thread::sleep(RSS_SAMPLE_EVERY);
            }
            (peak, samples)
        });
        Self { stop, handle }
    }

    /// The peak RSS in KiB and the number of samples.
    pub fn stop(self) -> (u64, usize) {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap_or((0, 0))
    }
}

/// The process listening on TCP `port` of the local machine, if this user can see it: the
/// listening socket's inode from `/proc/net/tcp{,6}`, then the process holding that socket
/// among `/proc/<pid>/fd`. Lets a bench meter a local broker's CPU without being told its pid.
pub fn listening_pid(port: u16) -> Option<u32> {
    const LISTEN: &str = "0A";
    let inode = ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .flat_map(|text| {
            text.lines()
                .skip(1)
                .filter_map(|line| {
                    let f: Vec<&str> = line.split_whitespace().collect();
                    let local_port = f.get(1)?.rsplit_once(':')?.1;
                    let listening = *f.get(3)? == LISTEN;
                    (listening && u16::from_str_radix(local_port, 16).ok()? == port)
                        .then(|| f.get(9).map(|s| s.to_string()))
                        .flatten()
                })
                .collect::<Vec<_>>()
        })
        .next()?;
    let target = format!("socket:[{inode}]");
    std::fs::read_dir("/proc")
        .ok()?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .find(|pid| {
            std::fs::read_dir(format!("/proc/{pid}/fd"))
                .map(|fds| {
                    fds.filter_map(Result::ok).any(|fd| {
                        std::fs::read_link(fd.path())
                            .is_ok_and(|l| l.as_os_str() == target.as_str())
                    })
                })
                .unwrap_or(false)
        })
}
