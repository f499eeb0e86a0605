//! hyper answers a request head it cannot read (400 malformed, 414 URI too long, 431 head too
//! large) by itself, before any route or the guard runs, with an empty body, and then closes the
//! connection. [`JsonAutoReplies`] wraps the connection and gives those answers the API's JSON
//! error body, so every error status a client sees says what went wrong in one shape.

use std::io::IoSlice;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

pub struct JsonAutoReplies<T> {
    inner: T,
    /// A rewritten answer not yet written whole.
    pending: Vec<u8>,
    written: usize,
}

impl<T> JsonAutoReplies<T> {
    pub fn new(inner: T) -> JsonAutoReplies<T> {
        JsonAutoReplies {
            inner,
            pending: Vec::new(),
            written: 0,
        }
    }
}

/// hyper's own answer to an unreadable head, with a JSON body in place of the empty one; `None`
/// for anything else (every answer of ours has a body, so an empty 4xx is hyper's).
fn rewrite(head: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(head).ok()?;
    let (code, message) = match text.get(..12)? {
        "HTTP/1.1 400" => ("bad_request", "the request head could not be read"),
        "HTTP/1.1 414" => ("uri_too_long", "the request target is too long"),
        "HTTP/1.1 431" => (
            "header_too_large",
            "the request head is too large (16 KiB and 100 header lines at most)",
        ),
        _ => return None,
    };
    if !text.ends_with("\r\n\r\n") || !text.contains("\r\ncontent-length: 0\r\n") {
        return None;
    }
    let body = serde_json::json!({"error": {"code": code, "message": message}}).to_string();
    let headers = format!(
        "\r\ncontent-type: application/json\r\ncache-control: no-store\r\ncontent-length: {}\r\n",
        body.len()
    );
    Some(
        text.replacen("\r\ncontent-length: 0\r\n", &headers, 1)
            .into_bytes()
            .into_iter()
            .chain(body.into_bytes())
            .collect(),
    )
}

impl<T: AsyncWrite + Unpin> JsonAutoReplies<T> {
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        while self.written < self.pending.len() {
            let n =
                ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }

    /// Takes `buf` as written when it is hyper's bodiless answer, sending the rewritten one.
    fn take_auto_reply(
        &mut self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Option<std::io::Result<usize>> {
        let rewritten = rewrite(buf)?;
        self.pending = rewritten;
        self.written = 0;
        // Whatever is not written now goes out on the next write, flush or shutdown.
        match self.poll_pending(cx) {
            Poll::Ready(Err(e)) => Some(Err(e)),
            _ => Some(Ok(buf.len())),
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for JsonAutoReplies<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for JsonAutoReplies<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        if let Some(result) = this.take_auto_reply(cx, buf) {
            return Poll::Ready(result);
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        let mut filled = bufs.iter().filter(|b| !b.is_empty());
        if let (Some(only), None) = (filled.next(), filled.next())
            && let Some(result) = this.take_auto_reply(cx, only)
        {
            return Poll::Ready(result);
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_bodiless_refusals_get_a_json_body() {
        let head =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let rewritten = String::from_utf8(rewrite(head).unwrap()).unwrap();
        let (head, body) = rewritten.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 431 "));
        assert!(head.contains("content-type: application/json"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let error: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(error["error"]["code"], "header_too_large");
        assert!(rewrite(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n").is_none());
        assert!(
            rewrite(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 12\r\n\r\n").is_none(),
            "ours, with a body"
        );
    }
}
