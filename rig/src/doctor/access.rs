//! Whether the rig's user may use a lab bench's devices: the Unix groups
//! the packaged udev rules (packaging/udev/60-rig.rules) give them, and a
//! fix line naming the group to join when the user is not in it.
//!
//! | device | group |
//! |---|---|
//! | USB serial adapters (console, cash register) | `dialout` |
//! | GPIO for rppal (keypad robot, power relay): /dev/gpiomem, /dev/gpiochip* | `gpio` |
//! | debug probes (probe-rs) | `plugdev` |

use super::Check;
use crate::config::bench::Bench;

/// The groups this process runs with (names), and whether it is root.
pub struct User {
    pub name: String,
    pub root: bool,
    pub groups: Vec<String>,
}

impl User {
    /// The process's user and groups, read from the kernel and /etc/group.
    pub fn current() -> User {
        // SAFETY: getuid/getgroups only fill the buffer we give them.
        let uid = unsafe { libc::getuid() };
        let mut gids = vec![0 as libc::gid_t; 256];
        let n = unsafe { libc::getgroups(gids.len() as libc::c_int, gids.as_mut_ptr()) };
        gids.truncate(usize::try_from(n).unwrap_or(0));
        gids.push(unsafe { libc::getgid() });
        let table = std::fs::read_to_string("/etc/group").unwrap_or_default();
        let groups = table
            .lines()
            .filter_map(|l| {
                let mut parts = l.split(':');
                let (name, _, gid) = (parts.next()?, parts.next()?, parts.next()?);
                let gid: libc::gid_t = gid.parse().ok()?;
                gids.contains(&gid).then(|| name.to_string())
            })
            .collect();
        User {
            name: std::env::var("USER").unwrap_or_else(|_| format!("uid {uid}")),
            root: uid == 0,
            groups,
        }
    }
}

/// One check: `device` needs `group`.
pub fn group_check(device: &str, group: &str, user: &User, group_exists: bool) -> Check {
    let (ok, detail, fix) = if user.root {
        (true, format!("running as root: {group} not needed"), String::new())
    } else if user.groups.iter().any(|g| g == group) {
        (true, format!("{} is in group {group}", user.name), String::new())
    } else if !group_exists {
        (
            false,
            format!("there is no group {group} on this system"),
            format!(
                "sudo groupadd --system {group} && sudo usermod -aG {group} {}; install the rig package's udev rules \
                 (/lib/udev/rules.d/60-rig.rules) and log in again",
                user.name
            ),
        )
    } else {
        (
            false,
            format!("{} is not in group {group}, which {device} needs", user.name),
            format!("sudo usermod -aG {group} {}, then log out and in again", user.name),
        )
    };
    Check {
        device: format!("access: {device}"),
        ok,
        detail,
        fix,
    }
}

/// The group checks a lab bench needs, from what its bench file wires.
pub fn checks(bench: &Bench, checks: &mut Vec<Check>) {
    let f = &bench.file;
    let user = User::current();
    let table = std::fs::read_to_string("/etc/group").unwrap_or_default();
    let exists = |g: &str| table.lines().any(|l| l.split(':').next() == Some(g));
    let mut needs: Vec<(&str, &str)> = Vec::new();
    if f.console.is_some() || f.ecr.is_some() {
        needs.push(("serial adapters", "dialout"));
    }
    if f.gpio.is_some() || f.power_relay.is_some() {
        needs.push(("GPIO (keypad robot, power relay)", "gpio"));
    }
    if f.probe.is_some() {
        needs.push(("debug probe", "plugdev"));
    }
    for (device, group) in needs {
        checks.push(group_check(device, group, &user, exists(group)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(groups: &[&str]) -> User {
        User {
            name: "lab".into(),
            root: false,
            groups: groups.iter().map(|g| g.to_string()).collect(),
        }
    }

    #[test]
    fn a_user_outside_the_group_is_told_which_to_join() {
        let c = group_check("serial adapters", "dialout", &user(&["lab", "gpio"]), true);
        assert!(!c.ok);
        assert_eq!(c.fix, "sudo usermod -aG dialout lab, then log out and in again");
        assert!(group_check("serial adapters", "dialout", &user(&["dialout"]), true).ok);
    }

    #[test]
    fn a_missing_group_is_made_first() {
        let c = group_check("GPIO (keypad robot, power relay)", "gpio", &user(&[]), false);
        assert!(!c.ok);
        assert!(
            c.fix
                .starts_with("sudo groupadd --system gpio && sudo usermod -aG gpio lab"),
            "{}",
            c.fix
        );
    }

    #[test]
    fn root_needs_no_group() {
        let root = User {
            name: "root".into(),
            root: true,
            groups: vec![],
        };
        assert!(group_check("debug probe", "plugdev", &root, true).ok);
    }
}
