//! The few XML documents the Blob service exchanges: listings, errors, block lists.

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::error::StorageError;

/// One blob of a listing.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BlobItem {
    /// The blob's full name (prefix included).
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
}

/// One page of `List Blobs`.
#[derive(Debug, Default)]
pub(crate) struct ListPage {
    pub blobs: Vec<BlobItem>,
    pub next_marker: Option<String>,
}

/// Parses an `EnumerationResults` document.
pub(crate) fn parse_list_page(xml: &str) -> Result<ListPage, StorageError> {
    let mut reader = Reader::from_str(xml);
    let mut page = ListPage::default();
    let mut path: Vec<String> = Vec::new();
    let mut name = String::new();
    let mut size: Option<u64> = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(start)) => {
                path.push(String::from_utf8_lossy(start.name().as_ref()).into_owned());
                if path.last().is_some_and(|tag| tag == "Blob") {
                    name.clear();
                    size = None;
                }
            }
            Ok(Event::End(_)) => {
                if path.last().is_some_and(|tag| tag == "Blob") {
                    let size = size.ok_or_else(|| {
                        StorageError::Protocol(format!("blob {name:?} listed without a size"))
                    })?;
                    page.blobs.push(BlobItem {
                        name: std::mem::take(&mut name),
                        size,
                    });
                }
                path.pop();
            }
            Ok(Event::Text(text)) => {
                let text = text
                    .unescape()
                    .map_err(|e| StorageError::Protocol(format!("listing: {e}")))?;
                let tags: Vec<&str> = path.iter().map(String::as_str).collect();
                match tags.as_slice() {
                    [.., "Blob", "Name"] => name.push_str(&text),
                    [.., "Properties", "Content-Length"] => {
                        size = Some(text.trim().parse().map_err(|_| {
                            StorageError::Protocol(format!("bad Content-Length {text:?}"))
                        })?);
                    }
                    [_, "NextMarker"] if !text.trim().is_empty() => {
                        page.next_marker = Some(text.trim().to_owned());
                    }
                    _ => {}
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(StorageError::Protocol(format!("listing: {e}"))),
        }
    }
    Ok(page)
}

/// The `Code` and `Message` of a storage error document, when there is one.
pub(crate) fn parse_error(xml: &str) -> (Option<String>, Option<String>) {
    let mut reader = Reader::from_str(xml);
    let (mut code, mut message) = (None, None);
    let mut current = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(start)) => {
                current = String::from_utf8_lossy(start.name().as_ref()).into_owned();
            }
            Ok(Event::Text(text)) => {
                let text = text.unescape().map(|t| t.into_owned()).unwrap_or_default();
                match current.as_str() {
                    "Code" => code = Some(text),
                    "Message" => message = Some(text),
                    _ => {}
                }
            }
            Ok(Event::End(_)) => current.clear(),
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    (code, message)
}

/// A `Put Block List` body committing `block_ids` (already base64) in order.
pub(crate) fn block_list(block_ids: &[String]) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
    for id in block_ids {
        xml.push_str("<Latest>");
        xml.push_str(&quick_xml::escape::escape(id.as_str()));
        xml.push_str("</Latest>");
    }
    xml.push_str("</BlockList>");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_yields_names_sizes_and_marker() {
        let xml = r#"<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="x" ContainerName="c"><Prefix>in/</Prefix><Blobs><Blob><Name>in/a &amp; b.fbx</Name><Properties><Content-Length>12</Content-Length></Properties></Blob><Blob><Name>in/t/x.png</Name><Properties><Content-Length>0</Content-Length></Properties></Blob></Blobs><NextMarker>m2</NextMarker></EnumerationResults>"#;
        let page = parse_list_page(xml).unwrap();
        assert_eq!(page.blobs.len(), 2);
        assert_eq!(page.blobs[0].name, "in/a & b.fbx");
        assert_eq!(page.blobs[0].size, 12);
        assert_eq!(page.blobs[1].name, "in/t/x.png");
        assert_eq!(page.next_marker.as_deref(), Some("m2"));
    }

    #[test]
    fn error_document_yields_code_and_message() {
        let xml = "<?xml version=\"1.0\"?><Error><Code>AuthenticationFailed</Code><Message>Server failed.\nRequestId:1</Message></Error>";
        let (code, message) = parse_error(xml);
        assert_eq!(code.as_deref(), Some("AuthenticationFailed"));
        assert_eq!(message.as_deref(), Some("Server failed.\nRequestId:1"));
    }
}
