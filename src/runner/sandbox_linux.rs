//! The Linux half of the sandbox: the landlock ruleset, built in the parent, and the
//! async-signal-safe steps the child takes between fork and exec.
//!
//! Owns every `unsafe` syscall of the sandbox. Must not allocate, lock or log in
//! `ChildPlan::apply` (it runs in a forked child of a multi-threaded process).

use super::{NetNs, SandboxError};
use landlock::{
    Access, AccessFs, AccessNet, CompatLevel, Compatible, PathBeneath, PathFd, Ruleset,
    RulesetAttr, RulesetCreatedAttr, Scope, ABI,
};
use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

/// The landlock ABI the rules are written for (the newest one tested, Linux 6.15). Newer
/// kernels enforce exactly these rights; older ones what they know (best effort), checked
/// by `Sandbox::check` for the parts that matter.
const TARGET_ABI: ABI = ABI::V7;

/// The kernel's landlock ABI (0 when missing or disabled).
pub fn landlock_abi() -> i32 {
    // SAFETY: the version query takes no pointer (NULL, size 0) and only returns a number.
    let v = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            1u32, // LANDLOCK_CREATE_RULESET_VERSION
        )
    };
    v.max(0) as i32
}

/// Whether a child can get its own network namespace: tried for real, on `sh -c :`.
pub fn probe_netns() -> Result<NetNs, String> {
    let mut last = String::new();
    for kind in [NetNs::Plain, NetNs::User] {
        let plan = ChildPlan {
            ruleset: None,
            netns: Some(NsPlan::new(kind)),
            drop_caps: false,
        };
        let mut cmd = std::process::Command::new("sh");
        cmd.args(["-c", ":"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        // SAFETY: `apply` only makes async-signal-safe syscalls (see ChildPlan).
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut cmd, move || plan.apply());
        }
        match cmd.status() {
            Ok(s) if s.success() => return Ok(kind),
            Ok(s) => last = format!("the probe ended with {s}"),
            Err(e) => last = e.to_string(),
        }
    }
    Err(format!("unshare failed: {last}"))
}

/// One command's confinement: its ruleset (an open landlock fd) and network plan.
pub struct Confinement {
    /// Kept open until the child has started; the child gets its number.
    ruleset: OwnedFd,
    netns: Option<NetNs>,
}

impl Confinement {
    pub fn build(
        read: &[PathBuf],
        write_paths: &[PathBuf],
        devices: &[PathBuf],
        netns: Option<NetNs>,
        network: bool,
    ) -> Result<Confinement, SandboxError> {
        let err = |e: landlock::RulesetError| SandboxError::Setup(format!("landlock: {e}"));
        let mut ruleset = Ruleset::default()
            // Filesystem rules are required: without them there is no sandbox at all.
            .set_compatibility(CompatLevel::HardRequirement)
            .handle_access(AccessFs::from_all(ABI::V1))
            .map_err(err)?
            .set_compatibility(CompatLevel::BestEffort)
            .handle_access(AccessFs::from_all(TARGET_ABI))
            .map_err(err)?
            .scope(Scope::from_all(TARGET_ABI))
            .map_err(err)?;
        if !network && netns.is_none() {
            // No namespace to put the command in: stop TCP at least (UDP stays open).
            ruleset = ruleset
                .handle_access(AccessNet::from_all(TARGET_ABI))
                .map_err(err)?;
        }
        let mut created = ruleset.create().map_err(err)?;
        let rules = |paths: &[PathBuf], access| -> Vec<PathBeneath<PathFd>> {
            paths
                .iter()
                .filter_map(|p| rule(p, access))
                .collect::<Vec<_>>()
        };
        let read_rules = rules(read, AccessFs::from_read(TARGET_ABI));
        // No device nodes anywhere: as root, a block device made in the worktree would
        // read the whole disk past every other rule.
        let write = AccessFs::from_all(TARGET_ABI) & !(AccessFs::MakeChar | AccessFs::MakeBlock);
        let write_rules = rules(write_paths, write);
        let device_rules = rules(devices, write);
        for r in read_rules
            .into_iter()
            .chain(write_rules)
            .chain(device_rules)
        {
            created = created.add_rule(r).map_err(err)?;
        }
        let fd: Option<OwnedFd> = created.into();
        let ruleset = fd.ok_or_else(|| {
            SandboxError::Unavailable("landlock made no ruleset (the kernel lacks it)".into())
        })?;
        Ok(Confinement { ruleset, netns })
    }

    /// What the child runs between fork and exec. The returned closure owns everything it
    /// touches; `self` must outlive the spawn (it holds the ruleset fd).
    pub fn child_setup(&self) -> impl FnMut() -> std::io::Result<()> + Send + Sync + 'static {
        let plan = ChildPlan {
            ruleset: Some(self.ruleset.as_raw_fd()),
            netns: self.netns.map(NsPlan::new),
            // SAFETY: geteuid cannot fail.
            drop_caps: unsafe { libc::geteuid() } == 0,
        };
        move || plan.apply()
    }
}

/// A rule for a path that exists; file-only rights for a file (a device, a single file).
fn rule(path: &Path, access: landlock::BitFlags<AccessFs>) -> Option<PathBeneath<PathFd>> {
    let meta = std::fs::metadata(path).ok()?;
    let fd = PathFd::new(path).ok()?;
    let access = if meta.is_dir() {
        access
    } else {
        access & AccessFs::from_file(TARGET_ABI)
    };
    Some(PathBeneath::new(fd, access))
}

/// The user namespace's maps, written by the child into its own /proc files.
struct NsPlan {
    kind: NetNs,
    /// (path, content) pairs, NUL-terminated paths, written in order.
    maps: [(CString, Vec<u8>); 3],
}

impl NsPlan {
    fn new(kind: NetNs) -> NsPlan {
        // SAFETY: getuid/getgid cannot fail.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        let c = |s: &str| CString::new(s).unwrap_or_default();
        NsPlan {
            kind,
            maps: [
                (c("/proc/self/setgroups"), b"deny".to_vec()),
                (
                    c("/proc/self/uid_map"),
                    format!("{uid} {uid} 1\n").into_bytes(),
                ),
                (
                    c("/proc/self/gid_map"),
                    format!("{gid} {gid} 1\n").into_bytes(),
                ),
            ],
        }
    }
}

/// What the child does; built in the parent, applied in the child.
struct ChildPlan {
    ruleset: Option<i32>,
    netns: Option<NsPlan>,
    /// Run by root: the command gets no capabilities (landlock limits paths, not what
    /// CAP_SYS_MODULE or CAP_SYS_BOOT can do).
    drop_caps: bool,
}

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// `_LINUX_CAPABILITY_VERSION_3`: two `CapData` words.
const CAP_VERSION_3: u32 = 0x2008_0522;

/// Empties the bounding, ambient, effective, permitted and inheritable sets, so the exec'd
/// program has no capability even as uid 0.
///
/// # Safety
/// Async-signal-safe: prctl and capset on stack values.
unsafe fn drop_capabilities() -> std::io::Result<()> {
    for cap in 0..64 {
        if libc::prctl(libc::PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 {
            // EINVAL: past the kernel's last capability.
            if *libc::__errno_location() == libc::EINVAL {
                break;
            }
            return Err(std::io::Error::last_os_error());
        }
    }
    // Old kernels have no ambient set; nothing to clear there.
    libc::prctl(
        libc::PR_CAP_AMBIENT,
        libc::PR_CAP_AMBIENT_CLEAR_ALL,
        0,
        0,
        0,
    );
    let header = CapHeader {
        version: CAP_VERSION_3,
        pid: 0,
    };
    let data = [CapData {
        effective: 0,
        permitted: 0,
        inheritable: 0,
    }; 2];
    check(libc::syscall(libc::SYS_capset, &header, data.as_ptr()))
}

fn check(r: libc::c_long) -> std::io::Result<()> {
    if r < 0 {
        // Reads errno; builds no heap value.
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}

impl ChildPlan {
    /// Runs in the forked child: raw syscalls only, no allocation, no locks.
    fn apply(&self) -> std::io::Result<()> {
        // SAFETY: each call below is a plain syscall on memory owned by `self` (prepared in
        // the parent) or on the stack; none allocates or takes a lock.
        unsafe {
            if let Some(ns) = &self.netns {
                let flags = match ns.kind {
                    NetNs::Plain => libc::CLONE_NEWNET,
                    NetNs::User => libc::CLONE_NEWUSER | libc::CLONE_NEWNET,
                };
                check(libc::unshare(flags) as libc::c_long)?;
                if ns.kind == NetNs::User {
                    for (path, content) in &ns.maps {
                        let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                        check(fd as libc::c_long)?;
                        let n = libc::write(fd, content.as_ptr().cast(), content.len());
                        libc::close(fd);
                        check(n as libc::c_long)?;
                    }
                }
                loopback_up()?;
            }
            if self.drop_caps {
                drop_capabilities()?;
            }
            if let Some(fd) = self.ruleset {
                check(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) as libc::c_long)?;
                check(libc::syscall(libc::SYS_landlock_restrict_self, fd, 0u32))?;
            }
        }
        Ok(())
    }
}

/// Brings up `lo` in the new namespace, so a test suite's own localhost servers work.
///
/// # Safety
/// Async-signal-safe: a socket, two ioctls and a close on a stack buffer.
unsafe fn loopback_up() -> std::io::Result<()> {
    let s = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
    check(s as libc::c_long)?;
    let mut req: libc::ifreq = std::mem::zeroed();
    for (i, b) in b"lo\0".iter().enumerate() {
        req.ifr_name[i] = *b as libc::c_char;
    }
    let mut r = libc::ioctl(s, libc::SIOCGIFFLAGS, &mut req);
    if r >= 0 {
        req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        r = libc::ioctl(s, libc::SIOCSIFFLAGS, &req);
    }
    libc::close(s);
    check(r as libc::c_long)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The user-namespace path (what a non-root user gets) maps the user's own ids and
    /// brings up a loopback; run here even as root, where `Plain` would be chosen.
    #[test]
    fn a_user_namespace_maps_the_users_own_ids() {
        let plan = ChildPlan {
            ruleset: None,
            netns: Some(NsPlan::new(NetNs::User)),
            drop_caps: false,
        };
        let mut cmd = std::process::Command::new("sh");
        cmd.args(["-c", "cat /proc/self/uid_map"]);
        // SAFETY: `apply` only makes async-signal-safe syscalls.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut cmd, move || plan.apply());
        }
        let out = match cmd.output() {
            Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
            other => {
                eprintln!("SKIPPED: no user namespaces here: {other:?}");
                return;
            }
        };
        // SAFETY: getuid cannot fail.
        let uid = unsafe { libc::getuid() }.to_string();
        let first = out.lines().next().unwrap_or_default();
        let fields: Vec<&str> = first.split_whitespace().collect();
        assert_eq!(fields, [uid.as_str(), uid.as_str(), "1"], "{out}");
    }
}
