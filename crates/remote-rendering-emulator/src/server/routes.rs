//! The router, derived from the route table in [`crate::Route`]: each route's
//! method and path come from there, its handler from [`handler`].

use std::sync::Arc;

use axum::Router;
use axum::routing::{MethodFilter, MethodRouter, on};

use super::responses::ApiError;
use super::shared::Shared;
use super::{admin, conversions, preview, sessions, sts, v1};
use crate::Route;

/// The handler of each operation; the one place a new operation is wired.
fn handler(route: Route) -> MethodRouter<Arc<Shared>> {
    let method = MethodFilter::try_from(route.method()).expect("routes use standard methods");
    match route {
        Route::StsToken => on(method, sts::token),
        Route::CreateSession => on(method, sessions::create),
        Route::GetSession => on(method, sessions::get),
        Route::UpdateSession => on(method, sessions::update),
        Route::StopSession => on(method, sessions::stop),
        Route::ListSessions => on(method, sessions::list),
        Route::CreateConversion => on(method, conversions::create),
        Route::GetConversion => on(method, conversions::get),
        Route::ListConversions => on(method, conversions::list),
        Route::V1CreateSession => on(method, v1::create),
        Route::V1GetSessionProperties => on(method, v1::get),
        Route::V1UpdateSession => on(method, v1::update),
        Route::V1StopSession => on(method, v1::stop),
        Route::V1ListSessions => on(method, v1::list),
    }
}

/// `route`'s path in axum's syntax. axum reserves segments starting with
/// `:`, so an action verb (`/:stop`) becomes a `{verb}` parameter; `true`
/// when it did, and the handler must check the verb.
fn router_path(route: Route) -> (String, bool) {
    let path = route.path();
    match path.rsplit_once("/:") {
        Some((base, _)) => (format!("{base}/{{verb}}"), true),
        None => (path.to_owned(), false),
    }
}

/// Every route of the API and the admin routes, with the spec's error
/// answers for unknown paths and methods.
pub(super) fn router(shared: Arc<Shared>) -> Router {
    let mut router = Router::new();
    for route in Route::ALL {
        let (path, has_verb) = router_path(route);
        let mut method_router = handler(route);
        if !route.is_v1() && route != Route::StsToken {
            method_router = preview::serving_preview_too(route, method_router);
        }
        if has_verb {
            // A verb path is not a resource: other methods find nothing
            // there rather than a resource that refuses them.
            method_router = method_router.fallback(|| async { ApiError::no_such_resource() });
        }
        router = router.route(&path, method_router);
    }
    router
        .merge(admin::router())
        .fallback(|| async { ApiError::no_such_resource() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .with_state(shared)
}
