//! Landlock domains for the compiler: what an unprivileged process can take away from its
//! children on Linux without bubblewrap.
//!
//! The ruleset is built in the parent (it allocates and opens files); the forked child only
//! makes two raw syscalls before exec ([`enter`]), since code between fork and exec in a
//! multi-threaded process must not allocate. Every access right is a hard requirement: on a
//! kernel that cannot enforce all of them Landlock counts as unavailable, never half on.

use std::os::fd::{OwnedFd, RawFd};
use std::path::Path;

use landlock::{
    ABI, Access, AccessFs, AccessNet, CompatLevel, Compatible, Ruleset, RulesetAttr, RulesetCreatedAttr, Scope,
    path_beneath_rules,
};

/// The oldest Landlock ABI used: 4 (Linux 6.7) is the first with TCP rules.
pub const MIN_ABI: i32 = 4;

/// System files rustc and rust-lld need (dynamic loader, libc, `/bin/sh` for the link guard),
/// found by running them under Landlock: `/usr` and the merged-usr links, the loader cache,
/// and `/dev/urandom` (rust-lld seeds temporary file names from it). Not `/etc`, `/proc`
/// (other processes' environments), `/home`, `/tmp` or `/dev` otherwise.
pub const SYSTEM_READ: &[&str] = &["/usr", "/lib", "/lib64", "/bin", "/etc/ld.so.cache", "/dev/urandom"];

/// What a domain confines.
#[derive(Clone, Copy, Debug)]
pub enum Rules<'a> {
    /// Files: read and execute beneath `read` (and [`SYSTEM_READ`]), everything beneath
    /// `write`, nothing else; plus [`Rules::NetworkOnly`]'s rules.
    Files { read: &'a [&'a Path], write: &'a [&'a Path] },
    /// No TCP bind or connect; abstract unix sockets and signals scoped to the domain (ABI 6+).
    /// Leaves files alone: under bubblewrap, which must still mount (Landlock forbids mounts
    /// to a domain that handles file access).
    NetworkOnly,
}

/// The kernel's Landlock ABI version, or why there is none usable. `REWARDSMITH_NO_LANDLOCK=1`
/// turns Landlock off.
pub fn abi() -> Result<i32, String> {
    if std::env::var_os("REWARDSMITH_NO_LANDLOCK").is_some_and(|v| v == "1") {
        return Err("Landlock disabled by REWARDSMITH_NO_LANDLOCK=1".into());
    }
    let v = abi_version();
    if v < 0 {
        return Err("the kernel has no Landlock (needs Linux 6.7+ with `landlock` in its LSM list)".into());
    }
    if v < MIN_ABI {
        return Err(format!("the kernel's Landlock ABI {v} has no TCP rules (needs ABI {MIN_ABI}: Linux 6.7+)"));
    }
    Ok(v)
}

#[allow(unsafe_code)]
fn abi_version() -> i32 {
    const LANDLOCK_CREATE_RULESET_VERSION: libc::c_long = 1;
    // SAFETY: landlock_create_ruleset(NULL, 0, VERSION) only returns the ABI version (or -1
    // with errno); it reads and writes no memory.
    let v = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0 as libc::size_t,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    v.try_into().unwrap_or(-1)
}

/// The access sets of the newest ABI this code was tested with (6; ABI 7 only adds audit
/// logging) that the kernel has.
fn tested(abi: i32) -> ABI {
    match abi {
        ..=4 => ABI::V4,
        5 => ABI::V5,
        _ => ABI::V6,
    }
}

/// Builds the ruleset for `rules` on a kernel with Landlock `abi` and returns its file
/// descriptor (close-on-exec), to be entered in the child with [`enter`].
pub fn ruleset(abi: i32, rules: Rules<'_>) -> Result<OwnedFd, String> {
    let v = tested(abi);
    let err = |e: landlock::RulesetError| format!("cannot build the Landlock ruleset: {e}");
    let mut r = Ruleset::default()
        .set_compatibility(CompatLevel::HardRequirement)
        .handle_access(AccessNet::from_all(v))
        .map_err(err)?;
    if v >= ABI::V6 {
        r = r.scope(Scope::from_all(v)).map_err(err)?;
    }
    if let Rules::Files { .. } = rules {
        r = r.handle_access(AccessFs::from_all(v)).map_err(err)?;
    }
    let mut created = r.create().map_err(err)?;
    if let Rules::Files { read, write } = rules {
        let system = SYSTEM_READ.iter().map(Path::new);
        // Paths that do not exist (no /lib64 here) are skipped: nothing to reach there.
        created = created
            .add_rules(path_beneath_rules(system.chain(read.iter().copied()), AccessFs::from_read(v)))
            .map_err(err)?
            // Nothing written there can be executed.
            .add_rules(path_beneath_rules(write.iter().copied(), AccessFs::from_all(v) & !AccessFs::Execute))
            .map_err(err)?;
    }
    Option::<OwnedFd>::from(created).ok_or_else(|| "the kernel refused to create a Landlock ruleset".into())
}

/// In the forked child, before exec: no new privileges (required to enter a domain without
/// CAP_SYS_ADMIN), then enter the domain of `ruleset`. Makes two syscalls and allocates nothing.
///
/// # Safety
/// Call only between fork and exec (in `Command::pre_exec`), with `ruleset` a Landlock
/// ruleset descriptor open in this process.
#[allow(unsafe_code)]
pub unsafe fn enter(ruleset: RawFd) -> std::io::Result<()> {
    // SAFETY: prctl(PR_SET_NO_NEW_PRIVS, 1) and landlock_restrict_self(fd, 0) take only
    // integers and touch no memory of ours; both are plain syscalls, safe after fork.
    unsafe {
        if libc::prctl(
            libc::PR_SET_NO_NEW_PRIVS,
            1 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
        ) != 0
        {
            return Err(std::io::Error::last_os_error());
        }
        if libc::syscall(libc::SYS_landlock_restrict_self, ruleset as libc::c_long, 0 as libc::c_long) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}
