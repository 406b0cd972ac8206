//! Issue 14: the emulator as a service people leave running — slow and
//! hostile clients, admin route protection, persistence and crash safety.

#[cfg(unix)]
mod accept_errors;
mod admin_guard;
mod crash;
mod hostile_input;
mod persistence;
mod process;
mod slow_clients;
#[cfg(unix)]
mod tls_files;
