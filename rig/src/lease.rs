//! Bench leases: one run at a time per bench. The holder's name, process and
//! expiry sit in a JSON file; the holder renews it while it runs, so a killed
//! CI job stops renewing and its lease simply expires.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LeaseRecord {
    pub bench: String,
    /// Who holds it, for the person waiting: user@host, process, run.
    pub owner: String,
    pub pid: u32,
    pub acquired_unix: u64,
    pub expires_unix: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    #[error(
        "bench {bench:?} is leased by {owner} until {expires} (unix time); waited {waited:?} (use --lease-wait to wait longer)"
    )]
    Busy {
        bench: String,
        owner: String,
        expires: u64,
        waited: Duration,
    },
    #[error("lease file {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A held lease; dropping it releases the bench.
pub struct Lease {
    path: PathBuf,
    record: LeaseRecord,
    stop: Arc<AtomicBool>,
    renewer: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(r) = self.renewer.take() {
            let _ = r.join();
        }
        // Only our own lease is removed, never one taken over meanwhile.
        if read(&self.path).is_some_and(|r| r.pid == self.record.pid && r.acquired_unix == self.record.acquired_unix) {
            if let Err(e) = std::fs::remove_file(&self.path) {
                eprintln!(
                    "rig: cannot release the bench lease {}: {e} (it expires by itself)",
                    self.path.display()
                );
            }
        }
    }
}

fn read(path: &Path) -> Option<LeaseRecord> {
    std::fs::read(path).ok().and_then(|b| serde_json::from_slice(&b).ok())
}

fn write(path: &Path, record: &LeaseRecord) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, serde_json::to_vec_pretty(record)?)?;
    std::fs::rename(tmp, path)
}

impl Lease {
    pub fn record(&self) -> &LeaseRecord {
        &self.record
    }

    /// Takes the lease of `bench` in `dir`, waiting up to `wait` for its holder.
    pub fn acquire(dir: &Path, bench: &str, owner: &str, ttl: Duration, wait: Duration) -> Result<Lease, LeaseError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| LeaseError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let path = dir.join(format!("{bench}.lease.json"));
        let started = std::time::Instant::now();
        loop {
            let record = LeaseRecord {
                bench: bench.into(),
                owner: owner.into(),
                pid: std::process::id(),
                acquired_unix: now(),
                expires_unix: now() + ttl.as_secs().max(1),
            };
            let taken = match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(_) => true,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => match read(&path) {
                    // Expired (its holder died or hung) or unreadable: take it over.
                    Some(held) if held.expires_unix > now() => {
                        if started.elapsed() >= wait {
                            return Err(LeaseError::Busy {
                                bench: bench.into(),
                                owner: held.owner,
                                expires: held.expires_unix,
                                waited: wait,
                            });
                        }
                        false
                    }
                    _ => true,
                },
                Err(e) => return Err(io(&path)(e)),
            };
            if taken {
                write(&path, &record).map_err(io(&path))?;
                // Two runs may have taken over at once: the last writer wins, the other waits on.
                if read(&path).is_some_and(|r| r == record) {
                    return Ok(Lease::hold(path, record, ttl));
                }
            }
            // Another process holds the bench and nothing signals its release: look again shortly.
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn hold(path: PathBuf, record: LeaseRecord, ttl: Duration) -> Lease {
        let stop = Arc::new(AtomicBool::new(false));
        let (stopping, file, mut renewed) = (stop.clone(), path.clone(), record.clone());
        let every = (ttl / 3).max(Duration::from_millis(200));
        let renewer = std::thread::spawn(move || {
            let mut last = std::time::Instant::now();
            while !stopping.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                if last.elapsed() >= every {
                    renewed.expires_unix = now() + ttl.as_secs().max(1);
                    if read(&file).is_some_and(|r| r.pid == renewed.pid && r.acquired_unix == renewed.acquired_unix)
                        && let Err(e) = write(&file, &renewed)
                    {
                        // Another run may take the bench when the lease runs out: say so now.
                        eprintln!(
                            "rig: cannot renew the bench lease {}: {e} (it expires in {} s)",
                            file.display(),
                            renewed.expires_unix.saturating_sub(now())
                        );
                    }
                    last = std::time::Instant::now();
                }
            }
        });
        Lease {
            path,
            record,
            stop,
            renewer: Some(renewer),
        }
    }
}

/// The owner text of this process: user@host, pid.
pub fn this_owner() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "?".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "?".into());
    format!("{user}@{host} pid {}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lease_refuses_a_second_run_and_frees_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let first = Lease::acquire(dir.path(), "lab-1", "ci@pi1", Duration::from_secs(60), Duration::ZERO).unwrap();
        let busy = Lease::acquire(dir.path(), "lab-1", "ci@pi2", Duration::from_secs(60), Duration::ZERO)
            .err()
            .unwrap();
        assert!(
            busy.to_string()
                .starts_with(r#"bench "lab-1" is leased by ci@pi1 until"#),
            "{busy}"
        );
        drop(first);
        assert!(Lease::acquire(dir.path(), "lab-1", "ci@pi2", Duration::from_secs(60), Duration::ZERO).is_ok());
    }

    #[test]
    fn an_expired_lease_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let stale = LeaseRecord {
            bench: "lab-1".into(),
            owner: "killed job".into(),
            pid: 1,
            acquired_unix: 1,
            expires_unix: 2,
        };
        write(&dir.path().join("lab-1.lease.json"), &stale).unwrap();
        let lease = Lease::acquire(dir.path(), "lab-1", "next job", Duration::from_secs(60), Duration::ZERO).unwrap();
        assert_eq!(lease.record().owner, "next job");
    }
}
