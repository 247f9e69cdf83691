//! The terminal's real-time clock (the host's field 12/13 carry month, day and time).

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
