//! The control plane's processes: started with their output in log files, killed when the
//! cluster is dropped — and by the kernel when the test process dies first (parent-death
//! signal), so that no process is left behind.

use std::fs::File;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

pub struct Process {
    pub name: &'static str,
    pub log: PathBuf,
    child: Child,
}

/// A port nothing listens on right now, on loopback.
pub fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding a free loopback port")?;
    Ok(listener.local_addr()?.port())
}

pub fn spawn(name: &'static str, binary: &Path, args: &[String], dir: &Path) -> anyhow::Result<Process> {
    let log = dir.join(format!("{name}.log"));
    let out = File::create(&log)?;
    let err = out.try_clone()?;
    let mut command = Command::new(binary);
    command
        .arg(name)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    // SAFETY: prctl is async-signal-safe and touches only the child being started.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = command
        .spawn()
        .with_context(|| format!("starting {name} ({})", binary.display()))?;
    Ok(Process { name, log, child })
}

impl Process {
    /// Fails with the end of its log when the process has exited.
    pub fn check_running(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!(
                "{} exited ({status}); its log ends:\n{}",
                self.name,
                tail(&self.log, 30)
            );
        }
        Ok(())
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then SIGKILL after a grace period.
    pub fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        // SAFETY: sending a signal to our own child.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Waits until something accepts connections on the port.
pub fn wait_for_port(process: &mut Process, port: u16, timeout: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        process.check_running()?;
        if Instant::now() > deadline {
            bail!(
                "{} did not listen on {port} within {timeout:?}; its log ends:\n{}",
                process.name,
                tail(&process.log, 30)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
