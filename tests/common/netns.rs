//! Network namespaces and relays: how the fault harness cuts, heals and
//! slows the links between real nodes, all on loopback addresses.
//!
//! ```text
//!   ns rhymney                         ns gwynedd
//!   node R ──► relay R→G (listens here) ──► node G's p2p port
//!   node R's p2p port ◄── relay G→R (listens there) ◄── node G
//!   test (root ns) ──► API relay ──► node's API port
//! ```
//!
//! Each node runs in its own network namespace (`ip netns`), which holds
//! nothing but its own loopback. The only ways between namespaces are the
//! [`Relay`]s the test runs: a TCP listener inside one namespace that
//! forwards each connection to an address inside another. Banks admit each
//! other at relay addresses, so the test owns every byte between them and
//! can cut a link (drop its connections and refuse new ones), heal it,
//! reset its connections once, or hold each chunk of bytes back for a
//! while. Why namespaces and not relays alone: libp2p's identify and
//! Kademlia teach each node the others' real listen addresses (and a mutual
//! peer's relay addresses), and a node on a shared loopback would dial
//! those, around a cut. A relay's thread enters a namespace with setns(2),
//! which changes only that thread; a socket stays in the namespace it was
//! made in. A process the test starts in a namespace enters it the same way
//! ([`run_inside`]), not with `ip netns exec`, which also gives the process
//! its own copy of every mount: one alive while a test unmounts its disk
//! would keep the disk busy (mount.rs), and `e2fsck` would refuse it.
//!
//! Needs root (CAP_SYS_ADMIN); [`Netns::create`] says why when it cannot.

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long a relay tries to reach its target before dropping the connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Bytes a relay moves at a time (each chunk is held back by the link's delay).
const CHUNK_BYTES: usize = 16 * 1024;

/// A network namespace made for one test, removed when dropped.
pub struct Netns {
    name: String,
    /// /var/run/netns/<name>, for setns(2).
    file: File,
}

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip").args(args).output().map_err(|e| format!("could not run `ip`: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("`ip {}` failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()))
    }
}

impl Netns {
    /// Creates the namespace `name` with its loopback up; `Err` says why not
    /// (usually: not root).
    pub fn create(name: &str) -> Result<Netns, String> {
        // A namespace left by a test that was killed has the same name only if its pid was reused.
        let _ = ip(&["netns", "del", name]);
        ip(&["netns", "add", name])?;
        let made = (|| {
            ip(&["-n", name, "link", "set", "lo", "up"])?;
            File::open(format!("/var/run/netns/{name}")).map_err(|e| format!("open the namespace {name}: {e}"))
        })();
        match made {
            Ok(file) => Ok(Netns { name: name.to_string(), file }),
            Err(e) => {
                let _ = ip(&["netns", "del", name]);
                Err(e)
            }
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    fn handle(&self) -> File {
        self.file.try_clone().expect("duplicate a namespace handle")
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = ip(&["netns", "del", &self.name]);
    }
}

/// Moves the calling thread (only it) into the namespace.
fn enter(ns: &File) -> io::Result<()> {
    // SAFETY: setns(2) on an open namespace file; it affects only this thread's network namespace.
    if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Makes the process `command` starts enter the namespace `name` just
/// before it runs: its network only (it keeps the test's mounts and files),
/// and the same pid as without, so a test can signal it.
pub fn run_inside(command: &mut Command, name: &str) {
    let ns = File::open(format!("/var/run/netns/{name}")).unwrap_or_else(|e| panic!("open the namespace {name}: {e}"));
    // SAFETY: the closure runs in the child between fork and exec, where only
    // async-signal-safe calls are allowed: it makes one system call, setns(2),
    // and allocates nothing (a failure is a plain OS error code).
    unsafe { command.pre_exec(move || enter(&ns)) };
}

/// What the test controls of one relayed link, shared with its threads.
#[derive(Default)]
struct Link {
    target: Mutex<Option<SocketAddr>>,
    /// Refuse new connections (a partition).
    cut: AtomicBool,
    /// Held before each chunk is passed on, in milliseconds.
    delay_ms: AtomicU64,
    /// Both sockets of every live connection, to drop them on a cut.
    open: Mutex<Vec<(u64, TcpStream, TcpStream)>>,
    next_id: AtomicU64,
    stopping: AtomicBool,
}

impl Link {
    fn lock_open(&self) -> std::sync::MutexGuard<'_, Vec<(u64, TcpStream, TcpStream)>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn close(&self, id: u64) {
        self.lock_open().retain(|(i, down, up)| {
            if *i == id {
                let _ = down.shutdown(Shutdown::Both);
                let _ = up.shutdown(Shutdown::Both);
            }
            *i != id
        });
    }

    fn close_all(&self) {
        for (_, down, up) in self.lock_open().drain(..) {
            let _ = down.shutdown(Shutdown::Both);
            let _ = up.shutdown(Shutdown::Both);
        }
    }

    /// Runs on the relay's thread, inside the target's namespace.
    fn accept(self: &Arc<Self>, down: TcpStream) {
        // Dropping `down` closes it: the dialler sees the connection refused or reset.
        if self.cut.load(Ordering::Acquire) {
            return;
        }
        let Some(target) = *self.target.lock().unwrap_or_else(|p| p.into_inner()) else { return };
        let Ok(up) = TcpStream::connect_timeout(&target, CONNECT_TIMEOUT) else { return };
        let _ = (down.set_nodelay(true), up.set_nodelay(true));
        let (Ok(d2), Ok(u2), Ok(d3), Ok(u3)) = (down.try_clone(), up.try_clone(), down.try_clone(), up.try_clone()) else { return };
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.lock_open().push((id, d3, u3));
        for (from, to) in [(down, u2), (up, d2)] {
            let link = self.clone();
            std::thread::spawn(move || link.pump(id, from, to));
        }
    }

    fn pump(&self, id: u64, mut from: TcpStream, mut to: TcpStream) {
        let mut buf = vec![0u8; CHUNK_BYTES];
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let delay = self.delay_ms.load(Ordering::Acquire);
            if delay > 0 {
                // The fault itself: these bytes arrive late.
                std::thread::sleep(Duration::from_millis(delay));
            }
            if to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        self.close(id);
    }
}

/// A TCP relay from a listener in one namespace to an address in another
/// (`None`: the test's own namespace). Dropping it closes every connection.
pub struct Relay {
    /// Where it listens, inside its listening namespace.
    pub addr: SocketAddr,
    link: Arc<Link>,
    /// A handle on the listening socket, to wake its accept loop at the end.
    listener: TcpListener,
    thread: Option<JoinHandle<()>>,
}

impl Relay {
    pub fn start(listen_in: Option<&Netns>, connect_in: Option<&Netns>, target: SocketAddr) -> Relay {
        let link = Arc::new(Link { target: Mutex::new(Some(target)), ..Link::default() });
        let (listen_ns, connect_ns) = (listen_in.map(Netns::handle), connect_in.map(Netns::handle));
        let (tx, rx) = mpsc::channel();
        let shared = link.clone();
        let thread = std::thread::spawn(move || {
            let setup = || -> io::Result<TcpListener> {
                if let Some(ns) = &listen_ns {
                    enter(ns)?;
                }
                let listener = TcpListener::bind("127.0.0.1:0")?;
                if let Some(ns) = &connect_ns {
                    enter(ns)?;
                }
                Ok(listener)
            };
            let listener = match setup() {
                Ok(l) => l,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            let _ = tx.send(listener.try_clone().and_then(|l| Ok((l.local_addr()?, l))));
            for incoming in listener.incoming() {
                if shared.stopping.load(Ordering::Acquire) {
                    break;
                }
                if let Ok(down) = incoming {
                    shared.accept(down);
                }
            }
        });
        let (addr, listener) = rx.recv().expect("the relay thread answers").unwrap_or_else(|e| panic!("start a relay: {e}"));
        Relay { addr, link, listener, thread: Some(thread) }
    }

    /// Forward new connections here from now on (the node restarted on a new port).
    pub fn set_target(&self, target: SocketAddr) {
        *self.link.target.lock().unwrap_or_else(|p| p.into_inner()) = Some(target);
    }

    /// A partition: drops every connection and refuses new ones until [`Relay::heal`].
    pub fn cut(&self) {
        self.link.cut.store(true, Ordering::Release);
        self.link.close_all();
    }

    pub fn heal(&self) {
        self.link.cut.store(false, Ordering::Release);
    }

    /// Drops every live connection once (new ones go through).
    pub fn reset(&self) {
        self.link.close_all();
    }

    /// Holds each chunk of bytes back this long before passing it on (zero: none).
    pub fn set_delay(&self, delay: Duration) {
        self.link.delay_ms.store(delay.as_millis() as u64, Ordering::Release);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.link.stopping.store(true, Ordering::Release);
        // SAFETY: shutdown(2) on our own listening socket: it wakes the accept loop, which then ends.
        unsafe { libc::shutdown(self.listener.as_raw_fd(), libc::SHUT_RDWR) };
        self.link.close_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
