//! `x-ms-enum.modelAsString: true` enums are extensible: the service may send
//! a value the spec does not list, and the generated types must take it
//! instead of failing the whole response.

use remote_rendering_rest::types::{
    ConversionStatus, ConversionStatusKnown, SessionProperties, SessionSize, SessionStatus,
    SessionStatusKnown,
};
use serde_json::json;

#[test]
fn listed_status_is_known() {
    let status: SessionStatus = serde_json::from_value(json!("Ready")).expect("Ready parses");
    assert_eq!(status, SessionStatus::Known(SessionStatusKnown::Ready));
}

#[test]
fn unlisted_status_is_other() {
    let status: SessionStatus =
        serde_json::from_value(json!("Hibernating")).expect("an unlisted value parses");
    assert_eq!(
        status,
        SessionStatus::Other("Hibernating".to_string().try_into().unwrap())
    );
}

#[test]
fn known_values_are_case_sensitive() {
    // The service spells its values exactly; another spelling is "other".
    let status: SessionStatus = serde_json::from_value(json!("ready")).expect("parses");
    assert_eq!(
        status,
        SessionStatus::Other("ready".to_string().try_into().unwrap())
    );
}

#[test]
fn unlisted_values_round_trip() {
    for value in [json!("Hibernating"), json!("Ready")] {
        let status: SessionStatus = serde_json::from_value(value.clone()).expect("parses");
        assert_eq!(serde_json::to_value(&status).expect("serializes"), value);
    }
}

#[test]
fn a_session_with_unlisted_status_and_size_deserializes() {
    let session: SessionProperties = serde_json::from_value(json!({
        "id": "s1",
        "size": "Gigantic",
        "status": "Hibernating",
        "hostname": "s1.example.invalid"
    }))
    .expect("a response with new enum values still parses");
    assert_eq!(
        session.status,
        SessionStatus::Other("Hibernating".to_string().try_into().unwrap())
    );
    assert_eq!(
        session.size,
        SessionSize::Other("Gigantic".to_string().try_into().unwrap())
    );
}

#[test]
fn conversion_status_is_extensible_too() {
    let known: ConversionStatus = serde_json::from_value(json!("Succeeded")).expect("parses");
    assert_eq!(
        known,
        ConversionStatus::Known(ConversionStatusKnown::Succeeded)
    );
    let other: ConversionStatus = serde_json::from_value(json!("Queued")).expect("parses");
    assert_eq!(
        other,
        ConversionStatus::Other("Queued".to_string().try_into().unwrap())
    );
}

#[test]
fn non_string_status_is_still_an_error() {
    // Extensible means "any string", not "anything".
    assert!(serde_json::from_value::<SessionStatus>(json!(42)).is_err());
}
