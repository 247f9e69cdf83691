//! The terminal's real-time clock (the host's field 12/13 carry month, day and time).

fn now() -> Option<libc::tm> {
    // SAFETY: localtime_r writes into the struct we pass; time(NULL) has no preconditions.
    unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        (!libc::localtime_r(&now, &mut tm).is_null()).then_some(tm)
    }
}

/// Today as YYMMDD (EMV tag 9A).
pub fn yymmdd() -> String {
    now().map_or_else(
        || "700101".into(),
        |t| format!("{:02}{:02}{:02}", t.tm_year % 100, t.tm_mon + 1, t.tm_mday),
    )
}

pub fn year() -> i32 {
    // SAFETY: localtime_r writes into the struct we pass; time(NULL) has no preconditions.
    unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&now, &mut tm).is_null() {
            return 1970;
        }
        tm.tm_year + 1900
    }
}
