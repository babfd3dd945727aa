//! multipart/form-data bodies, encoded whole: a body in memory can be sent again by a 307 or
//! 308 redirect (reqwest's streamed forms cannot, and the 3xx would be taken as the answer),
//! and its length is known.

use bytes::{BufMut, Bytes, BytesMut};

use super::message::MultipartValue;

/// The `Content-Type` (with its boundary) and the body of a form.
pub(super) fn encode(fields: &[(String, MultipartValue)]) -> (String, Bytes) {
    let boundary = format!("{:016x}-{:016x}", fastrand::u64(..), fastrand::u64(..));
    let mut body = BytesMut::new();
    for (name, value) in fields {
        body.put_slice(format!("--{boundary}\r\n").as_bytes());
        let disposition = format!("Content-Disposition: form-data; name=\"{}\"", quoted(name));
        body.put_slice(disposition.as_bytes());
        let data: &[u8] = match value {
            MultipartValue::Text(text) => text.as_bytes(),
            MultipartValue::File { file_name, data } => {
                body.put_slice(format!("; filename=\"{}\"", quoted(file_name)).as_bytes());
                data
            }
        };
        body.put_slice(b"\r\n\r\n");
        body.put_slice(data);
        body.put_slice(b"\r\n");
    }
    body.put_slice(format!("--{boundary}--\r\n").as_bytes());
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.freeze(),
    )
}

/// A name inside a quoted header parameter: quotes and line breaks escaped as browsers do.
fn quoted(text: &str) -> String {
    text.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}
