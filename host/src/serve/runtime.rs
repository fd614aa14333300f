//! The browser runtime (`target/web-pkg`: `index.html`, the demo script, the wasm-bindgen
//! glue and a ~5 MB wasm) as the playground serves it.
//!
//! Every replay is an iframe that loads the whole runtime, and a ranking page has one per
//! candidate. So the files are read once into memory, each gzip-compressed once, and offered
//! under a content-hashed prefix, `/runtime/v-<hash>/<file>`, that browsers may cache forever
//! (`immutable`): all frames of a page, and every later page, reuse one download. The
//! runtime's own references are relative (`./demo.js`, the glue's `new URL(…wasm,
//! import.meta.url)`), so they stay under the prefix. Plain `/runtime/<file>` still works,
//! revalidated by ETag on every use. A runtime rebuilt while the server runs is noticed (its
//! files' sizes and modification times) and gets a new hash.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::body::Bytes;
use sha2::{Digest, Sha256};

use super::files::content_type;

/// Largest runtime the server holds in memory, bytes (the built one is ~5.4 MB).
pub const MAX_BYTES: u64 = 64 << 20;
/// The prefix of a versioned path segment: `v-` and 16 hex digits.
pub const VERSION_PREFIX: &str = "v-";

/// One file, ready to send.
#[derive(Debug)]
pub struct Asset {
    pub content_type: &'static str,
    pub plain: Bytes,
    /// Its gzip encoding, when that is smaller.
    pub gzip: Option<Bytes>,
    /// A strong ETag (quoted), from the content hash.
    pub etag: String,
}

/// The runtime as loaded: its version and files by plain name.
#[derive(Debug)]
pub struct Loaded {
    /// `v-` and the first 16 hex digits of the SHA-256 over every file's name and bytes.
    pub version: String,
    pub files: BTreeMap<String, Asset>,
    signature: Signature,
}

/// What tells a rebuilt runtime apart without reading it: names, sizes, mtimes.
type Signature = Vec<(String, u64, Option<SystemTime>)>;

/// The runtime folder, loaded on first use and again when it changes.
#[derive(Debug)]
pub struct Runtime {
    dir: PathBuf,
    loaded: Mutex<Option<Arc<Loaded>>>,
}

impl Runtime {
    pub fn new(dir: PathBuf) -> Runtime {
        Runtime { dir, loaded: Mutex::new(None) }
    }

    /// The runtime now, or `None` when it is not built (no `index.html`) or cannot be read.
    pub fn current(&self) -> Option<Arc<Loaded>> {
        let sig = signature(&self.dir)?;
        let mut loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(l) = loaded.as_ref().filter(|l| l.signature == sig) {
            return Some(l.clone());
        }
        let fresh = Arc::new(load(&self.dir, sig)?);
        *loaded = Some(fresh.clone());
        Some(fresh)
    }
}

/// The plain files directly in `dir` (names allow-listed), with sizes and mtimes; `None`
/// without an `index.html` or past [`MAX_BYTES`].
fn signature(dir: &Path) -> Option<Signature> {
    let mut sig: Signature = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok().filter(|n| plain_name(n))?;
            let meta = e.metadata().ok().filter(std::fs::Metadata::is_file)?;
            Some((name, meta.len(), meta.modified().ok()))
        })
        .collect();
    sig.sort();
    let total: u64 = sig.iter().map(|(_, len, _)| len).sum();
    (sig.iter().any(|(n, _, _)| n == "index.html") && total <= MAX_BYTES).then_some(sig)
}

fn load(dir: &Path, signature: Signature) -> Option<Loaded> {
    let mut all = Sha256::new();
    let mut files = BTreeMap::new();
    for (name, _, _) in &signature {
        let bytes = std::fs::read(dir.join(name)).ok()?;
        let own = hex(&Sha256::digest(&bytes));
        all.update(name.as_bytes());
        all.update([0]);
        all.update(own.as_bytes());
        let gzip = gzip(&bytes).filter(|g| g.len() < bytes.len()).map(Bytes::from);
        let asset = Asset {
            content_type: content_type(name),
            plain: Bytes::from(bytes),
            gzip,
            etag: format!("\"{}\"", &own[..32]),
        };
        files.insert(name.clone(), asset);
    }
    let version = format!("{VERSION_PREFIX}{}", &hex(&all.finalize())[..16]);
    Some(Loaded { version, files, signature })
}

/// gzip at the best level: done once per runtime build, so the smaller download wins.
fn gzip(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).ok()?;
    enc.finish().ok()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A name the runtime may serve: letters, digits, `.`, `_`, `-`, not starting with `.`.
pub fn plain_name(seg: &str) -> bool {
    !seg.is_empty()
        && seg.len() <= 128
        && !seg.starts_with('.')
        && seg.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Whether an `Accept-Encoding` header value accepts gzip: `gzip` or `*` listed without
/// `q=0` (RFC 9110, 12.5.3), read as a list of tokens, not searched for a spelling.
pub fn accepts_gzip(header: &str) -> bool {
    let mut star = None;
    for item in header.split(',') {
        let mut parts = item.split(';').map(str::trim);
        let coding = parts.next().unwrap_or("").to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
            .map_or(Some(1.0), |(_, v)| v.trim().parse::<f32>().ok());
        let ok = q.is_some_and(|q| q > 0.0);
        match coding.as_str() {
            "gzip" | "x-gzip" => return ok,
            "*" => star = Some(ok),
            _ => {}
        }
    }
    star.unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_encoding_is_read_as_a_list_with_weights() {
        for (h, want) in [
            ("gzip", true),
            ("gzip, deflate, br, zstd", true),
            ("br;q=1.0, gzip;q=0.8", true),
            ("GZIP", true),
            ("gzip;q=0", false),
            ("gzip; q=0.000", false),
            ("br", false),
            ("identity", false),
            ("*", true),
            ("*;q=0", false),
            ("*, gzip;q=0", false),
            ("", false),
            ("notgzip", false),
            ("gzip;q=abc", false),
        ] {
            assert_eq!(accepts_gzip(h), want, "{h:?}");
        }
    }

    #[test]
    fn the_runtime_is_hashed_compressed_and_reloaded_when_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let rt = Runtime::new(dir.path().to_owned());
        assert!(rt.current().is_none(), "not built: no index.html");
        std::fs::write(dir.path().join("index.html"), "<!doctype html>".repeat(100)).unwrap();
        std::fs::write(dir.path().join("x.wasm"), vec![7u8; 10_000]).unwrap();
        std::fs::write(dir.path().join(".hidden"), "no").unwrap();
        let a = rt.current().unwrap();
        assert!(a.version.starts_with("v-") && a.version.len() == 18, "{}", a.version);
        assert_eq!(a.files.keys().collect::<Vec<_>>(), ["index.html", "x.wasm"]);
        let wasm = &a.files["x.wasm"];
        assert_eq!((wasm.content_type, wasm.plain.len()), ("application/wasm", 10_000));
        let mut back = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&wasm.gzip.as_ref().unwrap()[..]), &mut back)
            .unwrap();
        assert_eq!(back, vec![7u8; 10_000]);
        assert!(Arc::ptr_eq(&a, &rt.current().unwrap()), "loaded once");
        std::fs::write(dir.path().join("x.wasm"), vec![8u8; 10_001]).unwrap();
        let b = rt.current().unwrap();
        assert_ne!(a.version, b.version, "a rebuilt runtime has a new version");
        std::fs::remove_file(dir.path().join("index.html")).unwrap();
        assert!(rt.current().is_none());
    }
}
