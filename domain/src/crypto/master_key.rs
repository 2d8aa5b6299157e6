//! The master key: 32 random bytes, base64 in a file (mode 0600) or in `GATEWAY_MASTER_KEY`.
//!
//! It never appears in logs or errors: the type has no `Display`, its `Debug` prints `<hidden>`, and
//! the bytes are zeroed on drop (`secrecy`).

use std::{fmt, io::Write, path::Path};

use base64::{engine::general_purpose::STANDARD, Engine as _};
use rand::TryRngCore;
use secrecy::{ExposeSecret, SecretBox};
use zeroize::Zeroize;

use crate::config::{ConfigError, MasterKeySource};

/// Length of the master key in bytes (AES-256).
pub const MASTER_KEY_LEN: usize = 32;

/// The key-encryption key for stored secrets.
pub struct MasterKey(SecretBox<[u8; MASTER_KEY_LEN]>);

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<hidden>)")
    }
}

impl MasterKey {
    /// Loads and checks the key from its configured source (`master_key` / `master_key_file`).
    pub fn load(source: &MasterKeySource) -> Result<Self, ConfigError> {
        Self::load_as(source, "GATEWAY_MASTER_KEY", "GATEWAY_MASTER_KEY_FILE")
    }

    /// Loads the previous master key (`master_key_previous` / `master_key_previous_file`), kept
    /// during a rotation so data keys wrapped under it stay readable; checked like the current one.
    pub fn load_previous(source: &MasterKeySource) -> Result<Self, ConfigError> {
        Self::load_as(
            source,
            "GATEWAY_MASTER_KEY_PREVIOUS",
            "GATEWAY_MASTER_KEY_PREVIOUS_FILE",
        )
    }

    /// Problems are reported under the given variable names.
    fn load_as(
        source: &MasterKeySource,
        inline_key: &'static str,
        file_key: &'static str,
    ) -> Result<Self, ConfigError> {
        match source {
            MasterKeySource::Inline(value) => Self::decode(value.expose_secret(), inline_key),
            MasterKeySource::File(path) => {
                check_permissions(path, file_key)?;
                let mut text = std::fs::read_to_string(path).map_err(|e| {
                    ConfigError::invalid(file_key, format!("cannot read {}: {e}", path.display()))
                })?;
                let key = Self::decode(&text, file_key);
                text.zeroize();
                key
            }
        }
    }

    /// A key from raw bytes (tests and `keygen`).
    pub fn from_bytes(bytes: [u8; MASTER_KEY_LEN]) -> Self {
        Self(SecretBox::new(Box::new(bytes)))
    }

    /// A fresh key from the operating system's CSPRNG.
    pub fn generate() -> std::io::Result<Self> {
        let mut bytes = [0u8; MASTER_KEY_LEN];
        rand::rngs::OsRng
            .try_fill_bytes(&mut bytes)
            .map_err(std::io::Error::other)?;
        let key = Self::from_bytes(bytes);
        bytes.zeroize();
        Ok(key)
    }

    /// The raw key bytes, for the encryption code only.
    pub fn expose(&self) -> &[u8; MASTER_KEY_LEN] {
        self.0.expose_secret()
    }

    /// Writes a new random key to `path`, created with mode 0600; refuses to overwrite an existing file.
    pub fn generate_file(path: &Path) -> std::io::Result<()> {
        let key = Self::generate()?;
        let mut encoded = STANDARD.encode(key.expose());
        encoded.push('\n');
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let result = options
            .open(path)
            .and_then(|mut f| f.write_all(encoded.as_bytes()).and_then(|()| f.sync_all()));
        encoded.zeroize();
        result
    }

    fn decode(text: &str, key: &'static str) -> Result<Self, ConfigError> {
        let mut bytes = STANDARD.decode(text.trim()).map_err(|_| {
            ConfigError::invalid(
                key,
                "is not valid base64 (expected 32 random bytes, base64-encoded)",
            )
        })?;
        if bytes.len() != MASTER_KEY_LEN {
            let len = bytes.len();
            bytes.zeroize();
            return Err(ConfigError::invalid(
                key,
                format!("decodes to {len} bytes; a master key is exactly 32 bytes"),
            ));
        }
        let mut array = [0u8; MASTER_KEY_LEN];
        array.copy_from_slice(&bytes);
        bytes.zeroize();
        let key = Self::from_bytes(array);
        array.zeroize();
        Ok(key)
    }
}

#[cfg(unix)]
fn check_permissions(path: &Path, key: &'static str) -> Result<(), ConfigError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path)
        .map_err(|e| ConfigError::invalid(key, format!("cannot read {}: {e}", path.display())))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(ConfigError::invalid(
            key,
            format!(
                "{} is accessible by group or others (mode {mode:o}); run `chmod 600 {}`",
                path.display(),
                path.display()
            ),
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_permissions(_: &Path, _: &'static str) -> Result<(), ConfigError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use secrecy::SecretString;

    #[test]
    fn a_generated_file_is_private_and_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        MasterKey::generate_file(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let key = MasterKey::load(&MasterKeySource::File(path.clone())).unwrap();
        assert_ne!(key.expose(), &[0u8; 32]);
        // Never overwrites an existing key.
        assert!(MasterKey::generate_file(&path).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_world_readable_key_file_is_refused_with_the_fix() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        MasterKey::generate_file(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = MasterKey::load(&MasterKeySource::File(path))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("GATEWAY_MASTER_KEY_FILE") && err.contains("chmod 600"),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_world_readable_previous_key_file_names_the_previous_key() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.key");
        MasterKey::generate_file(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let err = MasterKey::load_previous(&MasterKeySource::File(path))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("GATEWAY_MASTER_KEY_PREVIOUS_FILE") && err.contains("chmod 600"),
            "{err}"
        );
    }

    #[test]
    fn a_short_or_garbled_key_is_refused_without_echoing_it() {
        let short = SecretString::from(STANDARD.encode([7u8; 16]));
        let err = MasterKey::load(&MasterKeySource::Inline(short))
            .unwrap_err()
            .to_string();
        assert!(err.contains("16 bytes"), "{err}");
        let garbled = SecretString::from("not-base64-s3cr3t!!".to_string());
        let err = MasterKey::load(&MasterKeySource::Inline(garbled))
            .unwrap_err()
            .to_string();
        assert!(err.contains("base64") && !err.contains("s3cr3t"), "{err}");
    }

    #[test]
    fn debug_output_hides_the_key() {
        assert_eq!(
            format!("{:?}", MasterKey::generate().unwrap()),
            "MasterKey(<hidden>)"
        );
    }
}
