//! Content negotiation for the bodies rendered once per overview (the unfiltered task list and
//! cc.xml): gzip for clients whose `Accept-Encoding` takes it, compressed at most once per body,
//! on the blocking pool, and only once a client has asked for it (the renderer then compresses
//! the following ones before it publishes them); a strong `ETag` per representation, and
//! `304 Not Modified` for an `If-None-Match` that names it.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::hash::Hasher;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::OnceCell;

/// zlib's default level. For the 750 KB list of 1,000 tasks (miniz_oxide, bench/RESULTS.md §2):
/// level 1 gives 122 KB in 2.7 ms, 6 gives 85 KB in 13 ms, 9 gives 84 KB in 19 ms. Serving is
/// bound by bytes and this runs once per overview, so 6.
const GZIP_LEVEL: u32 = 6;

/// A q-value in thousandths (RFC 9110 §12.4.2): 0 refuses, 1000 is the most wanted.
type Quality = u16;

/// Whether a response with these request headers should carry the gzip representation rather
/// than identity. Every `Accept-Encoding` line counts; `gzip` (or its alias `x-gzip`) takes its
/// own q-value, else the one of `*`, else 0. gzip wins when that is above 0, unless identity is
/// wanted more by a q-value of its own (or of `*`): a client that does not mention identity
/// takes whatever it does mention (RFC 9110 §12.5.3 makes identity acceptable by default, not
/// preferred). An element with a malformed q-value is ignored.
pub fn wants_gzip(headers: &HeaderMap) -> bool {
    let mut gzip: Option<Quality> = None;
    let mut identity: Option<Quality> = None;
    let mut any: Option<Quality> = None;
    let lines = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok());
    for element in lines.flat_map(|line| line.split(',')) {
        let mut parts = element.split(';');
        let coding = parts.next().unwrap_or("").trim();
        if coding.is_empty() {
            continue;
        }
        let mut quality = Some(1000);
        for parameter in parts {
            let (name, value) = parameter.split_once('=').unwrap_or((parameter, ""));
            if name.trim().eq_ignore_ascii_case("q") {
                quality = parse_quality(value.trim());
            }
        }
        let Some(quality) = quality else { continue };
        let slot = if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            &mut gzip
        } else if coding.eq_ignore_ascii_case("identity") {
            &mut identity
        } else if coding == "*" {
            &mut any
        } else {
            continue;
        };
        // A coding named twice keeps its best q-value.
        *slot = Some(slot.map_or(quality, |q| q.max(quality)));
    }
    let gzip = gzip.or(any).unwrap_or(0);
    gzip > 0 && identity.or(any).is_none_or(|identity| gzip >= identity)
}

/// `0`, `0.5`, `1`, `1.000`, … (at most three decimals, at most 1) in thousandths.
fn parse_quality(raw: &str) -> Option<Quality> {
    let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = fraction
        .bytes()
        .zip([100, 10, 1])
        .map(|(digit, weight)| Quality::from(digit - b'0') * weight)
        .sum::<Quality>();
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// Whether `If-None-Match` names `etag` (or is `*`), with the weak comparison RFC 9110 §13.1.2
/// prescribes for it: a `W/` prefix is ignored.
pub fn none_match_hits(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let ours = etag.as_bytes();
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .any(|line| entity_tags(line.as_bytes()).any(|tag| tag == b"*" || tag == ours))
}

/// The entity-tags of one `If-None-Match` line, quotes included (`*` as itself). Parsed rather
/// than split on commas, since a comma may sit inside a quoted tag.
fn entity_tags(mut rest: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::from_fn(move || {
        loop {
            rest = rest.trim_ascii_start();
            match rest.first()? {
                b',' => rest = &rest[1..],
                b'*' => {
                    rest = &rest[1..];
                    return Some(&b"*"[..]);
                }
                _ => break,
            }
        }
        let tag = rest.strip_prefix(b"W/").unwrap_or(rest);
        if tag.first() != Some(&b'"') {
            // Not a tag: skip to the next element.
            let next = rest.iter().position(|&b| b == b',').unwrap_or(rest.len());
            rest = &rest[next..];
            return Some(&b""[..]);
        }
        let end = tag[1..].iter().position(|&b| b == b'"')? + 2;
        rest = &tag[end..];
        Some(&tag[..end])
    })
    .filter(|tag| !tag.is_empty())
}

/// Records that clients take gzip, so the renderer compresses each new body before it publishes
/// it, and no client waits for a compression. Shared by every [`Representation`] of one route and the renderer, which clears
/// it with [`GzipDemand::take`] once per overview: a client that stops asking costs at most one
/// more compression.
#[derive(Clone, Debug, Default)]
pub struct GzipDemand(Arc<AtomicBool>);

impl GzipDemand {
    fn note(&self) {
        // A load, then a store only when needed: a hot route does not bounce the cache line.
        if !self.0.load(Ordering::Relaxed) {
            self.0.store(true, Ordering::Relaxed);
        }
    }

    /// Whether gzip was served since the last call.
    pub fn take(&self) -> bool {
        self.0.swap(false, Ordering::Relaxed)
    }
}

/// One body as rendered, its gzip form once someone wants it, and their entity tags.
pub struct Representation {
    content_type: &'static str,
    identity: Bytes,
    etag: HeaderValue,
    gzip_etag: HeaderValue,
    gzip: OnceCell<Bytes>,
    demand: GzipDemand,
}

impl Representation {
    pub fn new(content_type: &'static str, identity: Bytes, demand: GzipDemand) -> Representation {
        // A hash of the bytes: equal bodies share a tag, so a poller whose data did not change
        // (cc.xml between polls) is answered 304. SipHash's 64 bits make a collision, and so a
        // wrong 304, negligible; the tag only has to be stable within this process.
        let mut hasher = std::hash::DefaultHasher::new();
        hasher.write(&identity);
        let hash = hasher.finish();
        let tag = |suffix: &str| {
            HeaderValue::from_str(&format!("\"{hash:016x}{suffix}\""))
                .unwrap_or_else(|_| HeaderValue::from_static("\"invalid\""))
        };
        Representation {
            content_type,
            etag: tag(""),
            // A strong tag names exact bytes, so the compressed form has a tag of its own.
            gzip_etag: tag("-gzip"),
            identity,
            gzip: OnceCell::new(),
            demand,
        }
    }

    pub fn identity(&self) -> &Bytes {
        &self.identity
    }

    /// The identity body's entity tag.
    pub fn etag(&self) -> &HeaderValue {
        &self.etag
    }

    /// The gzip form, compressed on the first call (on the blocking pool; concurrent callers wait
    /// for that one compression). `None` if compressing failed, which is logged.
    pub async fn gzip(&self) -> Option<Bytes> {
        let identity = self.identity.clone();
        let content_type = self.content_type;
        let compressed = self
            .gzip
            .get_or_try_init(|| async move {
                let started = std::time::Instant::now();
                let compressed = tokio::task::spawn_blocking(move || compress(&identity))
                    .await
                    .map_err(|e| e.to_string())?
                    .map_err(|e| e.to_string())?;
                tracing::debug!(
                    content_type,
                    bytes = compressed.len(),
                    micros = started.elapsed().as_micros() as u64,
                    "compressed a body"
                );
                Ok::<_, String>(compressed)
            })
            .await;
        match compressed {
            Ok(bytes) => Some(bytes.clone()),
            Err(e) => {
                tracing::warn!(error = %e, "cannot compress a body; serving identity");
                None
            }
        }
    }

    /// The answer to a GET with these request headers: 304 when `If-None-Match` names the
    /// representation that would be sent, else that representation. Both name `Accept-Encoding`
    /// in `Vary`.
    pub async fn respond(&self, request: &HeaderMap) -> Response {
        let gzip = if wants_gzip(request) {
            self.demand.note();
            self.gzip().await
        } else {
            None
        };
        let etag = if gzip.is_some() {
            &self.gzip_etag
        } else {
            &self.etag
        };
        let vary = (header::VARY, HeaderValue::from_static("accept-encoding"));
        let etag = (header::ETAG, etag.clone());
        if none_match_hits(request, &etag.1) {
            return (StatusCode::NOT_MODIFIED, [vary, etag]).into_response();
        }
        let content_type = (
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        match gzip {
            Some(body) => {
                let encoding = (header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                ([content_type, encoding, vary, etag], body).into_response()
            }
            None => ([content_type, vary, etag], self.identity.clone()).into_response(),
        }
    }
}

fn compress(body: &[u8]) -> std::io::Result<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4),
        flate2::Compression::new(GZIP_LEVEL),
    );
    encoder.write_all(body)?;
    Ok(Bytes::from(encoder.finish()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn accept(lines: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for line in lines {
            headers.append(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(line).unwrap(),
            );
        }
        headers
    }

    #[test]
    fn gzip_is_chosen_only_when_accepted_and_not_less_wanted_than_identity() {
        let yes = [
            vec!["gzip"],
            vec!["GZip"],
            vec!["x-gzip"],
            vec!["gzip, deflate, br"],
            vec!["br;q=1.0, gzip;q=0.8, *;q=0.1"],
            vec!["*"],
            vec!["deflate", "gzip;q=0.5"],
            vec!["gzip;q=0.001"],
            vec!["gzip ; Q=1.000"],
            vec!["identity;q=0.5, gzip"],
            vec!["*;q=0.3, identity;q=0.2"],
            vec!["gzip;q=0, gzip;q=0.5"],
        ];
        for lines in yes {
            assert!(wants_gzip(&accept(&lines)), "{lines:?}");
        }
        let no = [
            vec![],
            vec![""],
            vec!["identity"],
            vec!["deflate, br"],
            vec!["gzip;q=0"],
            vec!["gzip;q=0.0"],
            vec!["gzip;q=0.000"],
            vec!["*;q=0"],
            vec!["*, gzip;q=0"],
            vec!["gzip;q=0.5, identity"],
            vec!["gzip;q=0.5, *"],
            vec!["gzip;q=2"],
            vec!["gzip;q=1.5"],
            vec!["gzip;q=0.5555"],
            vec!["gzip;q=abc"],
            vec!["gzip;q="],
            vec!["gzipped"],
        ];
        for lines in no {
            assert!(!wants_gzip(&accept(&lines)), "{lines:?}");
        }
    }

    #[test]
    fn quality_values_parse_in_thousandths() {
        assert_eq!(parse_quality("0"), Some(0));
        assert_eq!(parse_quality("0.5"), Some(500));
        assert_eq!(parse_quality("0.05"), Some(50));
        assert_eq!(parse_quality("0.123"), Some(123));
        assert_eq!(parse_quality("1"), Some(1000));
        assert_eq!(parse_quality("1."), Some(1000));
        assert_eq!(parse_quality("1.001"), None);
        assert_eq!(parse_quality(".5"), None);
        assert_eq!(parse_quality("-0"), None);
        assert_eq!(parse_quality(""), None);
    }

    #[test]
    fn if_none_match_uses_weak_comparison_and_star() {
        let etag = HeaderValue::from_static("\"abc\"");
        let with = |line: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::IF_NONE_MATCH, HeaderValue::from_str(line).unwrap());
            none_match_hits(&headers, &etag)
        };
        assert!(with("\"abc\""));
        assert!(with("W/\"abc\""));
        assert!(with("\"x\", \"abc\""));
        assert!(with("\"a,b\",\"abc\""));
        assert!(with("*"));
        assert!(with("junk, \"abc\""));
        assert!(!with("\"abcd\""));
        assert!(!with("abc"));
        assert!(!with("\"ab"));
        assert!(!with("\"a,\"abc\"\""));
        assert!(!none_match_hits(&HeaderMap::new(), &etag));
    }

    #[tokio::test]
    async fn the_gzip_form_decodes_to_the_body_and_has_a_tag_of_its_own() {
        let body = Bytes::from("{\"tasks\":[".to_owned() + &"{\"id\":1},".repeat(500) + "]}");
        let demand = GzipDemand::default();
        let r = Representation::new("application/json", body.clone(), demand.clone());
        assert!(!demand.take());
        let response = r.respond(&accept(&["gzip"])).await;
        assert!(demand.take(), "serving gzip is noted for the renderer");
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(response.headers()[header::VARY], "accept-encoding");
        let gzip_tag = response.headers()[header::ETAG].clone();
        assert_ne!(&gzip_tag, r.etag());
        let compressed = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        assert!(compressed.len() < body.len() / 10);
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&compressed[..])
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, body);

        let mut revalidate = accept(&["gzip"]);
        revalidate.insert(header::IF_NONE_MATCH, gzip_tag);
        assert_eq!(
            r.respond(&revalidate).await.status(),
            StatusCode::NOT_MODIFIED
        );
        // The gzip tag does not validate the identity form.
        revalidate.remove(header::ACCEPT_ENCODING);
        let identity = r.respond(&revalidate).await;
        assert_eq!(identity.status(), StatusCode::OK);
        assert!(identity.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(identity.headers()[header::ETAG], r.etag());
    }

    #[test]
    fn equal_bodies_share_a_tag_and_different_ones_do_not() {
        let demand = GzipDemand::default();
        let a = Representation::new("text/plain", Bytes::from("one"), demand.clone());
        let b = Representation::new("text/plain", Bytes::from("one"), demand.clone());
        let c = Representation::new("text/plain", Bytes::from("two"), demand);
        assert_eq!(a.etag(), b.etag());
        assert_ne!(a.etag(), c.etag());
    }
}
