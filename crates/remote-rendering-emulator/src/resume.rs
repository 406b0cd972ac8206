//! Starting on a data directory: the state read back from it, reconciled
//! with the settings asked for, and the settings written back.

use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use crate::auth::Keys;
use crate::persist::{Database, Meta};
use crate::state::Store;
use crate::{Clock, EmulatorError};

/// What the emulator runs on when started with a data directory.
pub(crate) struct Resumed {
    pub(crate) account_id: uuid::Uuid,
    pub(crate) account_key: String,
    pub(crate) keys: Keys,
    pub(crate) clock: Clock,
    pub(crate) store: Store,
    pub(crate) db: Arc<Database>,
}

/// Opens `dir` and restores its state. An account id asked for must match
/// the stored one (the stored resources belong to it); an account key asked
/// for replaces the stored one.
pub(crate) fn open(
    dir: &Path,
    account_id: Option<uuid::Uuid>,
    account_key: Option<String>,
    identity_issuer: &str,
    manual_clock: bool,
    sync_every_write: bool,
) -> Result<Resumed, EmulatorError> {
    let data_dir = |e: crate::persist::PersistError| EmulatorError::DataDir(e.to_string());
    let db = Arc::new(Database::open(dir, sync_every_write).map_err(data_dir)?);
    let restored = db.load().map_err(data_dir)?;
    let meta = restored.meta;
    let account_id = match (account_id, meta.account_id) {
        (Some(asked), Some(stored)) if asked != stored => {
            return Err(EmulatorError::DataDir(format!(
                "{} holds the state of account {stored}, not {asked}",
                dir.display()
            )));
        }
        (asked, stored) => asked.or(stored).unwrap_or_else(uuid::Uuid::new_v4),
    };
    let account_key = account_key
        .or(meta.account_key)
        .unwrap_or_else(crate::generate_key);
    let keys = match (meta.access_secret, meta.identity_secret) {
        (Some(access), Some(identity)) => {
            Keys::with_secrets(access, identity, identity_issuer.to_owned())
        }
        _ => Keys::new(identity_issuer.to_owned()),
    };
    let epoch = meta.clock_epoch.unwrap_or_else(SystemTime::now);
    let advanced = meta.clock_advanced.unwrap_or_default();
    let hook_db = db.clone();
    let clock = Clock::resume(
        manual_clock,
        epoch,
        advanced,
        Some(Box::new(move |total| {
            if let Err(e) = hook_db.save_clock(total) {
                tracing::error!(error = %e, "cannot persist the clock");
            }
        })),
    );
    let (access, identity) = keys.secrets();
    db.save_meta(&Meta {
        account_id: Some(account_id),
        account_key: Some(account_key.clone()),
        access_secret: Some(access.to_vec()),
        identity_secret: Some(identity.to_vec()),
        clock_epoch: Some(epoch),
        clock_advanced: Some(advanced),
    })
    .map_err(data_dir)?;
    tracing::info!(
        dir = %dir.display(),
        sessions = restored.sessions.len(),
        conversions = restored.conversions.len(),
        "state restored"
    );
    Ok(Resumed {
        account_id,
        account_key,
        keys,
        clock,
        store: Store::restore(restored.sessions, restored.conversions),
        db,
    })
}
