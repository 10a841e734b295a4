//! The Lambda REST API (restJson1): `/2015-03-31/functions/...` and its siblings, as
//! boto3 and the AWS CLI call them. Errors carry `x-amzn-ErrorType` and a body
//! `{"Type": "User", "message": ...}` with the status Lambda uses.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use base64::Engine as _;
use eddy_engine::functions::{
    timestamp_ms, Code, CodeInput, EventInvokeConfig, FunctionDef, InvocationType, InvokeRequest,
    Settings,
};
use eddy_engine::mappings::{self, MappingDef, MappingInput};
use eddy_engine::{Engine, Error, Kind};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::AppState;

/// The Lambda REST API's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/2015-03-31/functions",
            post(create_function).get(list_functions),
        )
        .route(
            "/2015-03-31/functions/",
            post(create_function).get(list_functions),
        )
        .route(
            "/2015-03-31/functions/{name}",
            get(get_function).delete(delete_function),
        )
        .route(
            "/2015-03-31/functions/{name}/configuration",
            get(get_configuration).put(update_configuration),
        )
        .route("/2015-03-31/functions/{name}/code", put(update_code))
        .route("/2015-03-31/functions/{name}/invocations", post(invoke))
        .route(
            "/2014-11-13/functions/{name}/invoke-async",
            post(invoke_async),
        )
        .route(
            "/2014-11-13/functions/{name}/invoke-async/",
            post(invoke_async),
        )
        .route(
            "/2017-10-31/functions/{name}/concurrency",
            put(put_concurrency).delete(delete_concurrency),
        )
        .route(
            "/2019-09-30/functions/{name}/concurrency",
            get(get_concurrency),
        )
        .route(
            "/2019-09-25/functions/{name}/event-invoke-config",
            put(put_invoke_config)
                .post(update_invoke_config)
                .get(get_invoke_config)
                .delete(delete_invoke_config),
        )
        .route(
            "/2015-03-31/event-source-mappings",
            post(create_mapping).get(list_mappings),
        )
        .route(
            "/2015-03-31/event-source-mappings/",
            post(create_mapping).get(list_mappings),
        )
        .route(
            "/2015-03-31/event-source-mappings/{uuid}",
            get(get_mapping).put(update_mapping).delete(delete_mapping),
        )
        .route("/2016-08-19/account-settings", get(account_settings))
        .route("/2016-08-19/account-settings/", get(account_settings))
        .route(
            "/2017-03-31/tags/{arn}",
            get(list_tags).post(tag_resource).delete(untag_resource),
        )
        .route(
            "/2015-03-31/functions/{name}/policy",
            get(get_policy).post(add_permission),
        )
        .route(
            "/2015-03-31/functions/{name}/policy/{sid}",
            axum::routing::delete(remove_permission),
        )
        // A 50 MB zip arrives base64-encoded in JSON; the engine applies Lambda's own
        // limits (zip size, 6 MB / 1 MB payloads) with Lambda's errors.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_REQUEST))
}

/// The largest Lambda API request read: a 50 MB zip as base64 in a JSON document.
const MAX_REQUEST: usize = 70 * 1024 * 1024;

/// An error in Lambda's REST shape.
pub(crate) struct LambdaError {
    status: StatusCode,
    kind: &'static str,
    message: String,
}

impl LambdaError {
    pub(crate) fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        LambdaError {
            status,
            kind,
            message: message.into(),
        }
    }

    fn invalid(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidParameterValueException",
            message,
        )
    }
}

impl From<Error> for LambdaError {
    fn from(err: Error) -> Self {
        let (status, kind) = match err.code {
            Some("ResourceNotFoundException") => {
                (StatusCode::NOT_FOUND, "ResourceNotFoundException")
            }
            Some("ResourceConflictException") => {
                (StatusCode::CONFLICT, "ResourceConflictException")
            }
            Some("TooManyRequestsException") => {
                (StatusCode::TOO_MANY_REQUESTS, "TooManyRequestsException")
            }
            Some("RequestTooLargeException") => {
                (StatusCode::PAYLOAD_TOO_LARGE, "RequestTooLargeException")
            }
            Some("InvalidRequestContentException") => {
                (StatusCode::BAD_REQUEST, "InvalidRequestContentException")
            }
            Some("ResourceInUseException") => (StatusCode::BAD_REQUEST, "ResourceInUseException"),
            _ => match err.kind {
                Kind::NotFound => (StatusCode::NOT_FOUND, "ResourceNotFoundException"),
                Kind::AlreadyExists | Kind::Conflict => {
                    (StatusCode::CONFLICT, "ResourceConflictException")
                }
                Kind::Validation | Kind::InvalidPattern => {
                    (StatusCode::BAD_REQUEST, "InvalidParameterValueException")
                }
                Kind::LimitExceeded => (StatusCode::TOO_MANY_REQUESTS, "TooManyRequestsException"),
                Kind::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "ServiceException"),
            },
        };
        LambdaError::new(status, kind, err.message)
    }
}

impl IntoResponse for LambdaError {
    fn into_response(self) -> Response {
        let mut body = json!({ "Type": if self.status.is_server_error() { "Service" } else { "User" }, "message": self.message });
        if self.kind == "TooManyRequestsException" {
            let reason = self
                .message
                .rsplit_once('(')
                .and_then(|(_, r)| r.strip_suffix(')'))
                .unwrap_or("ConcurrentInvocationLimitExceeded")
                .to_owned();
            body["Reason"] = reason.into();
            body["message"] = "Rate Exceeded.".into();
        }
        let mut response = (self.status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.insert("x-amzn-errortype", HeaderValue::from_static(self.kind));
        response
    }
}

type Result<T> = std::result::Result<T, LambdaError>;

fn json_response(status: StatusCode, value: &Value) -> Response {
    let mut response = (status, value.to_string()).into_response();
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    response
}

fn decode<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|err| {
        LambdaError::new(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContentException",
            format!("Could not parse request body into json: {err}"),
        )
    })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct CodeIn {
    zip_file: Option<String>,
    s3_bucket: Option<String>,
    image_uri: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct EnvironmentIn {
    variables: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct DeadLetterIn {
    target_arn: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct ConfigurationIn {
    function_name: Option<String>,
    runtime: Option<String>,
    role: Option<String>,
    handler: Option<String>,
    description: Option<String>,
    timeout: Option<u32>,
    memory_size: Option<u32>,
    environment: Option<EnvironmentIn>,
    dead_letter_config: Option<DeadLetterIn>,
    code: Option<CodeIn>,
    tags: Option<BTreeMap<String, String>>,
    package_type: Option<String>,
}

impl ConfigurationIn {
    fn settings(&self) -> Settings {
        Settings {
            runtime: self.runtime.clone(),
            handler: self.handler.clone(),
            description: self.description.clone(),
            role: self.role.clone(),
            timeout: self.timeout,
            memory_size: self.memory_size,
            environment: self
                .environment
                .as_ref()
                .map(|e| e.variables.clone().unwrap_or_default()),
            command: None,
            min_warm: None,
            idle_timeout: None,
            dead_letter_arn: self
                .dead_letter_config
                .as_ref()
                .map(|d| d.target_arn.clone().unwrap_or_default()),
        }
    }
}

fn zip_code(code: &CodeIn) -> Result<CodeInput> {
    if code.s3_bucket.is_some() {
        return Err(LambdaError::invalid(
            "Eddy has no S3: upload the deployment package as ZipFile.",
        ));
    }
    if code.image_uri.is_some() {
        return Err(LambdaError::invalid(
            "Eddy runs no container images: upload the deployment package as ZipFile.",
        ));
    }
    let Some(zip) = &code.zip_file else {
        return Err(LambdaError::invalid(
            "Please provide a source for function code.",
        ));
    };
    base64::engine::general_purpose::STANDARD
        .decode(zip.as_bytes())
        .map(CodeInput::Zip)
        .map_err(|_| {
            LambdaError::invalid(
                "Could not unzip uploaded file. Please check your file, then try to upload again.",
            )
        })
}

/// Lambda's `FunctionConfiguration`.
pub(crate) fn configuration(engine: &Engine, def: &FunctionDef) -> Value {
    let (code_size, code_sha) = match &def.code {
        Code::Zip { sha256, size, .. } => (*size, sha256.clone()),
        Code::Directory { .. } => (0, String::new()),
    };
    let mut value = json!({
        "FunctionName": def.name,
        "FunctionArn": engine.function_arn(&def.name),
        "Runtime": def.runtime,
        "Role": def.role.clone().unwrap_or_else(|| format!("arn:aws:iam::{}:role/eddy", engine.scope().account)),
        "Handler": def.handler,
        "CodeSize": code_size,
        "Description": def.description,
        "Timeout": def.timeout,
        "MemorySize": def.memory_size,
        "LastModified": timestamp_ms(def.modified_at, "+0000"),
        "CodeSha256": code_sha,
        "Version": "$LATEST",
        "TracingConfig": { "Mode": "PassThrough" },
        "RevisionId": def.revision_id,
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": [std::env::consts::ARCH.replace("aarch64", "arm64")],
        "EphemeralStorage": { "Size": 512 },
        "SnapStart": { "ApplyOn": "None", "OptimizationStatus": "Off" },
        "LoggingConfig": { "LogFormat": "Text", "LogGroup": format!("/aws/lambda/{}", def.name) },
    });
    if !def.environment.is_empty() {
        value["Environment"] = json!({ "Variables": def.environment });
    }
    if let Some(dlq) = &def.dead_letter_arn {
        value["DeadLetterConfig"] = json!({ "TargetArn": dlq });
    }
    value
}

async fn create_function(State(state): State<AppState>, body: Bytes) -> Result<Response> {
    let input: ConfigurationIn = decode(&body)?;
    let Some(name) = input.function_name.clone() else {
        return Err(LambdaError::invalid("FunctionName is required."));
    };
    if input.package_type.as_deref() == Some("Image") {
        return Err(LambdaError::invalid(
            "Eddy runs no container images: use PackageType Zip.",
        ));
    }
    let code = zip_code(input.code.as_ref().unwrap_or(&CodeIn::default()))?;
    let def = state
        .engine
        .create_function(
            &name,
            code,
            input.settings(),
            input.tags.clone().unwrap_or_default(),
        )
        .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &configuration(&state.engine, &def),
    ))
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(rename = "Marker")]
    marker: Option<String>,
    #[serde(rename = "MaxItems")]
    max_items: Option<usize>,
}

async fn list_functions(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    let max = query.max_items.unwrap_or(50).clamp(1, 10_000);
    let all = state.engine.list_functions();
    let start = query.marker.as_deref().map_or(0, |m| {
        all.iter()
            .position(|f| f.name.as_str() > m)
            .unwrap_or(all.len())
    });
    let page: Vec<Value> = all[start..]
        .iter()
        .take(max)
        .map(|def| configuration(&state.engine, def))
        .collect();
    let mut body = json!({ "Functions": page });
    if start + max < all.len() {
        body["NextMarker"] = all[start + max - 1].name.clone().into();
    }
    Ok(json_response(StatusCode::OK, &body))
}

fn name(engine: &Engine, given: &str) -> Result<String> {
    Ok(engine.function_name(given)?)
}

async fn get_function(
    State(state): State<AppState>,
    Path(given): Path<String>,
) -> Result<Response> {
    let def = state.engine.get_function(&name(&state.engine, &given)?)?;
    let mut body = json!({
        "Configuration": configuration(&state.engine, &def),
        "Code": { "RepositoryType": "Eddy", "Location": def.code.dir() },
        "Tags": def.tags,
    });
    if let Some(n) = def.reserved_concurrency {
        body["Concurrency"] = json!({ "ReservedConcurrentExecutions": n });
    }
    Ok(json_response(StatusCode::OK, &body))
}

async fn get_configuration(
    State(state): State<AppState>,
    Path(given): Path<String>,
) -> Result<Response> {
    let def = state.engine.get_function(&name(&state.engine, &given)?)?;
    Ok(json_response(
        StatusCode::OK,
        &configuration(&state.engine, &def),
    ))
}

async fn delete_function(
    State(state): State<AppState>,
    Path(given): Path<String>,
) -> Result<Response> {
    state
        .engine
        .delete_function(&name(&state.engine, &given)?)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn update_configuration(
    State(state): State<AppState>,
    Path(given): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let input: ConfigurationIn = decode(&body)?;
    let def = state
        .engine
        .update_function_configuration(&name(&state.engine, &given)?, input.settings())
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &configuration(&state.engine, &def),
    ))
}

async fn update_code(
    State(state): State<AppState>,
    Path(given): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let input: CodeIn = decode(&body)?;
    let code = zip_code(&input)?;
    let def = state
        .engine
        .update_function_code(&name(&state.engine, &given)?, code)
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &configuration(&state.engine, &def),
    ))
}

#[derive(Deserialize)]
struct InvokeQuery {
    #[serde(rename = "Qualifier")]
    qualifier: Option<String>,
}

async fn invoke(
    State(state): State<AppState>,
    Path(given): Path<String>,
    Query(query): Query<InvokeQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let invocation_type = match header("x-amz-invocation-type") {
        None => InvocationType::RequestResponse,
        Some(text) => InvocationType::parse(text).ok_or_else(|| {
            LambdaError::invalid(format!("1 validation error detected: Value '{text}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"))
        })?,
    };
    let tail = match header("x-amz-log-type") {
        None | Some("None") => false,
        Some("Tail") => true,
        Some(text) => {
            return Err(LambdaError::invalid(format!("1 validation error detected: Value '{text}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]")));
        }
    };
    let client_context = match header("x-amz-client-context") {
        None => None,
        Some(text) => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(text.as_bytes())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .filter(|s| serde_json::from_str::<Value>(s).is_ok_and(|v| v.is_object()));
            Some(decoded.ok_or_else(|| {
                LambdaError::new(
                    StatusCode::BAD_REQUEST,
                    "InvalidRequestContentException",
                    "Client context must be a valid Base64-encoded JSON object.",
                )
            })?)
        }
    };
    let mut function = name(&state.engine, &given)?;
    if let Some(qualifier) = query.qualifier.filter(|q| q != "$LATEST") {
        function = name(&state.engine, &format!("{function}:{qualifier}"))?;
    }
    let response = state
        .engine
        .invoke(
            &function,
            InvokeRequest {
                invocation_type,
                payload: body.to_vec(),
                client_context,
                tail,
            },
        )
        .await?;
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::OK);
    let mut http = (status, response.payload).into_response();
    let out = http.headers_mut();
    out.insert("content-type", HeaderValue::from_static("application/json"));
    if let Ok(v) = HeaderValue::from_str(&response.request_id) {
        out.insert("x-amzn-requestid", v);
    }
    if response.status == 200 {
        out.insert(
            "x-amz-executed-version",
            HeaderValue::from_static("$LATEST"),
        );
    }
    if let Some(error) = response
        .function_error
        .and_then(|e| HeaderValue::from_str(&e).ok())
    {
        out.insert("x-amz-function-error", error);
    }
    if let Some(log) = response
        .log_result
        .and_then(|l| HeaderValue::from_str(&l).ok())
    {
        out.insert("x-amz-log-result", log);
    }
    Ok(http)
}

async fn invoke_async(
    State(state): State<AppState>,
    Path(given): Path<String>,
    body: Bytes,
) -> Result<Response> {
    state
        .engine
        .invoke(
            &name(&state.engine, &given)?,
            InvokeRequest {
                invocation_type: InvocationType::Event,
                payload: body.to_vec(),
                client_context: None,
                tail: false,
            },
        )
        .await?;
    Ok(json_response(
        StatusCode::ACCEPTED,
        &json!({ "Status": 202 }),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ConcurrencyIn {
    reserved_concurrent_executions: Option<i64>,
}

async fn put_concurrency(
    State(state): State<AppState>,
    Path(given): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let input: ConcurrencyIn = decode(&body)?;
    let n = input
        .reserved_concurrent_executions
        .ok_or_else(|| LambdaError::invalid("ReservedConcurrentExecutions is required."))?;
    let n = u32::try_from(n).map_err(|_| {
        LambdaError::invalid(format!("1 validation error detected: Value '{n}' at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 0"))
    })?;
    state
        .engine
        .set_function_concurrency(&name(&state.engine, &given)?, Some(n))
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "ReservedConcurrentExecutions": n }),
    ))
}

async fn get_concurrency(
    State(state): State<AppState>,
    Path(given): Path<String>,
) -> Result<Response> {
    let def = state.engine.get_function(&name(&state.engine, &given)?)?;
    let body = match def.reserved_concurrency {
        Some(n) => json!({ "ReservedConcurrentExecutions": n }),
        None => json!({}),
    };
    Ok(json_response(StatusCode::OK, &body))
}

async fn delete_concurrency(
    State(state): State<AppState>,
    Path(given): Path<String>,
) -> Result<Response> {
    state
        .engine
        .set_function_concurrency(&name(&state.engine, &given)?, None)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct InvokeConfigIn {
    maximum_retry_attempts: Option<i64>,
    maximum_event_age_in_seconds: Option<i64>,
    destination_config: Option<DestinationsIn>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct DestinationsIn {
    on_success: Option<DestinationIn>,
    on_failure: Option<DestinationIn>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct DestinationIn {
    destination: Option<String>,
}

fn invoke_config_in(body: &[u8]) -> Result<EventInvokeConfig> {
    let input: InvokeConfigIn = decode(body)?;
    let retries = match input.maximum_retry_attempts {
        None => None,
        Some(n) => Some(u32::try_from(n).map_err(|_| {
            LambdaError::invalid(format!("1 validation error detected: Value '{n}' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value greater than or equal to 0"))
        })?),
    };
    let age = match input.maximum_event_age_in_seconds {
        None => None,
        Some(n) => Some(u32::try_from(n).map_err(|_| {
            LambdaError::invalid(format!("1 validation error detected: Value '{n}' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60"))
        })?),
    };
    let destinations = input.destination_config.unwrap_or_default();
    Ok(EventInvokeConfig {
        maximum_retry_attempts: retries,
        maximum_event_age_in_seconds: age,
        on_success: destinations
            .on_success
            .map(|d| d.destination.unwrap_or_default()),
        on_failure: destinations
            .on_failure
            .map(|d| d.destination.unwrap_or_default()),
        modified_at: 0,
    })
}

fn invoke_config_out(engine: &Engine, function: &str, config: &EventInvokeConfig) -> Value {
    let destination = |d: &Option<String>| match d {
        Some(arn) => json!({ "Destination": arn }),
        None => json!({}),
    };
    json!({
        "LastModified": config.modified_at as f64 / 1000.0,
        "FunctionArn": format!("{}:$LATEST", engine.function_arn(function)),
        "MaximumRetryAttempts": config.maximum_retry_attempts.unwrap_or(2),
        "MaximumEventAgeInSeconds": config.maximum_event_age_in_seconds.unwrap_or(21_600),
        "DestinationConfig": {
            "OnSuccess": destination(&config.on_success),
            "OnFailure": destination(&config.on_failure),
        },
    })
}

async fn put_invoke_config(
    State(state): State<AppState>,
    Path(given): Path<String>,
    body: Bytes,
) -> Result<Response> {
    set_invoke_config(&state, &given, &body, false).await
}

async fn update_invoke_config(
    State(state): State<AppState>,
    Path(given): Path<String>,
    body: Bytes,
) -> Result<Response> {
    set_invoke_config(&state, &given, &body, true).await
}

/// Put (replace) or Update (merge) FunctionEventInvokeConfig.
async fn set_invoke_config(
    state: &AppState,
    given: &str,
    body: &[u8],
    merge: bool,
) -> Result<Response> {
    let function = name(&state.engine, given)?;
    let config = invoke_config_in(body)?;
    let stored = state
        .engine
        .set_event_invoke_config(&function, config, merge)
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &invoke_config_out(&state.engine, &function, &stored),
    ))
}

async fn get_invoke_config(
    State(state): State<AppState>,
    Path(given): Path<String>,
) -> Result<Response> {
    let function = name(&state.engine, &given)?;
    let config = state.engine.event_invoke_config(&function)?;
    Ok(json_response(
        StatusCode::OK,
        &invoke_config_out(&state.engine, &function, &config),
    ))
}

async fn delete_invoke_config(
    State(state): State<AppState>,
    Path(given): Path<String>,
) -> Result<Response> {
    let function = name(&state.engine, &given)?;
    state.engine.delete_event_invoke_config(&function).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn account_settings(State(state): State<AppState>) -> Result<Response> {
    let functions = state.engine.list_functions();
    let reserved: u32 = functions
        .iter()
        .filter_map(|f| f.reserved_concurrency)
        .sum();
    let total = 1000u32;
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "AccountLimit": {
                "TotalCodeSize": 80_530_636_800u64,
                "CodeSizeUnzipped": 262_144_000u64,
                "CodeSizeZipped": 52_428_800u64,
                "ConcurrentExecutions": total,
                "UnreservedConcurrentExecutions": total.saturating_sub(reserved),
            },
            "AccountUsage": {
                "TotalCodeSize": functions.iter().map(|f| match &f.code { Code::Zip { size, .. } => *size, Code::Directory { .. } => 0 }).sum::<u64>(),
                "FunctionCount": functions.len(),
            },
        }),
    ))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct MappingIn {
    function_name: Option<String>,
    event_source_arn: Option<String>,
    batch_size: Option<i64>,
    maximum_batching_window_in_seconds: Option<i64>,
    function_response_types: Option<Vec<String>>,
    filter_criteria: Option<FilterCriteriaIn>,
    scaling_config: Option<ScalingIn>,
    enabled: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct FilterCriteriaIn {
    filters: Option<Vec<FilterIn>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct FilterIn {
    pattern: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct ScalingIn {
    maximum_concurrency: Option<i64>,
}

fn non_negative(n: Option<i64>, member: &str) -> Result<Option<u32>> {
    n.map(|n| {
        u32::try_from(n).map_err(|_| {
            LambdaError::invalid(format!("1 validation error detected: Value '{n}' at '{member}' failed to satisfy constraint: Member must have value greater than or equal to 0"))
        })
    })
    .transpose()
}

fn mapping_input(input: MappingIn) -> Result<MappingInput> {
    let report = match input.function_response_types {
        None => None,
        Some(types) => {
            for t in &types {
                if t != "ReportBatchItemFailures" {
                    return Err(LambdaError::invalid(format!("1 validation error detected: Value '[{t}]' at 'functionResponseTypes' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [ReportBatchItemFailures]]")));
                }
            }
            Some(!types.is_empty())
        }
    };
    Ok(MappingInput {
        function: input.function_name,
        event_source_arn: input.event_source_arn,
        batch_size: non_negative(input.batch_size, "batchSize")?,
        maximum_batching_window_in_seconds: non_negative(
            input.maximum_batching_window_in_seconds,
            "maximumBatchingWindowInSeconds",
        )?,
        report_batch_item_failures: report,
        filters: input.filter_criteria.map(|c| {
            c.filters
                .unwrap_or_default()
                .into_iter()
                .filter_map(|f| f.pattern)
                .collect()
        }),
        maximum_concurrency: match input.scaling_config {
            None => None,
            Some(s) => Some(non_negative(
                s.maximum_concurrency,
                "scalingConfig.maximumConcurrency",
            )?),
        },
        enabled: input.enabled,
    })
}

/// Lambda's `EventSourceMappingConfiguration`.
fn mapping_out(engine: &Engine, def: &MappingDef) -> Value {
    let mut value = json!({
        "UUID": def.uuid,
        "BatchSize": def.batch_size,
        "MaximumBatchingWindowInSeconds": def.maximum_batching_window_in_seconds,
        "EventSourceArn": def.event_source_arn,
        "FunctionArn": engine.function_arn(&def.function),
        "LastModified": mappings::last_modified(def),
        "State": mappings::state(def),
        "StateTransitionReason": "USER_INITIATED",
        "FunctionResponseTypes": if def.report_batch_item_failures { vec!["ReportBatchItemFailures"] } else { Vec::new() },
        "EventSourceMappingArn": format!("arn:aws:lambda:{}:{}:event-source-mapping:{}", engine.scope().region, engine.scope().account, def.uuid),
    });
    if !def.filters.is_empty() {
        let filters: Vec<Value> = def
            .filters
            .iter()
            .map(|p| json!({ "Pattern": p }))
            .collect();
        value["FilterCriteria"] = json!({ "Filters": filters });
    }
    if let Some(n) = def.maximum_concurrency {
        value["ScalingConfig"] = json!({ "MaximumConcurrency": n });
    }
    value
}

async fn create_mapping(State(state): State<AppState>, body: Bytes) -> Result<Response> {
    let input = mapping_input(decode(&body)?)?;
    let def = state.engine.create_event_source_mapping(input).await?;
    Ok(json_response(
        StatusCode::ACCEPTED,
        &mapping_out(&state.engine, &def),
    ))
}

#[derive(Deserialize)]
struct MappingQuery {
    #[serde(rename = "FunctionName")]
    function_name: Option<String>,
    #[serde(rename = "EventSourceArn")]
    event_source_arn: Option<String>,
    #[serde(rename = "Marker")]
    marker: Option<String>,
    #[serde(rename = "MaxItems")]
    max_items: Option<usize>,
}

async fn list_mappings(
    State(state): State<AppState>,
    Query(query): Query<MappingQuery>,
) -> Result<Response> {
    let all = state.engine.list_event_source_mappings(
        query.function_name.as_deref(),
        query.event_source_arn.as_deref(),
    )?;
    let max = query.max_items.unwrap_or(100).clamp(1, 10_000);
    let start = query.marker.as_deref().map_or(0, |m| {
        all.iter()
            .position(|d| d.uuid.as_str() > m)
            .unwrap_or(all.len())
    });
    let page: Vec<Value> = all[start..]
        .iter()
        .take(max)
        .map(|d| mapping_out(&state.engine, d))
        .collect();
    let mut body = json!({ "EventSourceMappings": page });
    if start + max < all.len() {
        body["NextMarker"] = all[start + max - 1].uuid.clone().into();
    }
    Ok(json_response(StatusCode::OK, &body))
}

async fn get_mapping(State(state): State<AppState>, Path(uuid): Path<String>) -> Result<Response> {
    let def = state.engine.event_source_mapping(&uuid)?;
    Ok(json_response(
        StatusCode::OK,
        &mapping_out(&state.engine, &def),
    ))
}

async fn update_mapping(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let input = mapping_input(decode(&body)?)?;
    let def = state
        .engine
        .update_event_source_mapping(&uuid, input)
        .await?;
    Ok(json_response(
        StatusCode::ACCEPTED,
        &mapping_out(&state.engine, &def),
    ))
}

async fn delete_mapping(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
) -> Result<Response> {
    let def = state.engine.delete_event_source_mapping(&uuid).await?;
    let mut out = mapping_out(&state.engine, &def);
    out["State"] = "Deleting".into();
    Ok(json_response(StatusCode::ACCEPTED, &out))
}

/// The function a tagging request's resource ARN names.
fn tagged_function(engine: &Engine, arn: &str) -> Result<String> {
    if !arn.starts_with("arn:") {
        return Err(LambdaError::invalid(format!(
            "1 validation error detected: Value '{arn}' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:.*"
        )));
    }
    name(engine, arn)
}

async fn list_tags(State(state): State<AppState>, Path(arn): Path<String>) -> Result<Response> {
    let def = state
        .engine
        .get_function(&tagged_function(&state.engine, &arn)?)?;
    Ok(json_response(StatusCode::OK, &json!({ "Tags": def.tags })))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct TagsIn {
    tags: BTreeMap<String, String>,
}

async fn tag_resource(
    State(state): State<AppState>,
    Path(arn): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let function = tagged_function(&state.engine, &arn)?;
    let tags: TagsIn = decode(&body)?;
    state
        .engine
        .tag_function(&function, tags.tags, Vec::new())
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn untag_resource(
    State(state): State<AppState>,
    Path(arn): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response> {
    let function = tagged_function(&state.engine, &arn)?;
    let keys: Vec<String> = query
        .into_iter()
        .filter(|(k, _)| k == "tagKeys")
        .map(|(_, v)| v)
        .collect();
    state
        .engine
        .tag_function(&function, BTreeMap::new(), keys)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct PermissionIn {
    statement_id: Option<String>,
    action: Option<String>,
    principal: Option<String>,
    source_arn: Option<String>,
    source_account: Option<String>,
    event_source_token: Option<String>,
    principal_org_i_d: Option<String>,
    function_url_auth_type: Option<String>,
    revision_id: Option<String>,
}

/// The policy statement AddPermission stores, as Lambda writes it.
fn statement(arn: &str, p: PermissionIn) -> Result<Value> {
    let required = |field: Option<String>, name: &str| {
        field
            .filter(|v| !v.is_empty())
            .ok_or_else(|| LambdaError::invalid(format!("{name} must not be null or empty")))
    };
    let sid = required(p.statement_id, "StatementId")?;
    if sid.len() > 100
        || !sid
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(LambdaError::invalid(format!(
            "1 validation error detected: Value '{sid}' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)"
        )));
    }
    let action = required(p.action, "Action")?;
    if !(action == "*" || action.starts_with("lambda:")) {
        return Err(LambdaError::invalid(format!(
            "1 validation error detected: Value '{action}' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])"
        )));
    }
    let principal = required(p.principal, "Principal")?;
    let principal = if principal == "*" {
        json!("*")
    } else if principal.ends_with(".amazonaws.com") || principal.ends_with(".com") {
        json!({ "Service": principal })
    } else if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
        json!({ "AWS": format!("arn:aws:iam::{principal}:root") })
    } else {
        json!({ "AWS": principal })
    };
    let mut condition = serde_json::Map::new();
    if let Some(source) = p.source_arn {
        condition.insert("ArnLike".into(), json!({ "AWS:SourceArn": source }));
    }
    let mut equals = serde_json::Map::new();
    if let Some(account) = p.source_account {
        equals.insert("AWS:SourceAccount".into(), json!(account));
    }
    if let Some(token) = p.event_source_token {
        equals.insert("lambda:EventSourceToken".into(), json!(token));
    }
    if let Some(org) = p.principal_org_i_d {
        equals.insert("aws:PrincipalOrgID".into(), json!(org));
    }
    if let Some(auth) = p.function_url_auth_type {
        equals.insert("lambda:FunctionUrlAuthType".into(), json!(auth));
    }
    if !equals.is_empty() {
        condition.insert("StringEquals".into(), Value::Object(equals));
    }
    let mut out = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal,
        "Action": action,
        "Resource": arn,
    });
    if !condition.is_empty() {
        out["Condition"] = Value::Object(condition);
    }
    Ok(out)
}

async fn add_permission(
    State(state): State<AppState>,
    Path(given): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let function = name(&state.engine, &given)?;
    let input: PermissionIn = decode(&body)?;
    let current = state.engine.get_function(&function)?;
    if let Some(expected) = &input.revision_id {
        if *expected != current.revision_id {
            return Err(LambdaError::new(
                StatusCode::PRECONDITION_FAILED,
                "PreconditionFailedException",
                "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
            ));
        }
    }
    let statement = statement(&state.engine.function_arn(&function), input)?;
    state
        .engine
        .add_permission(&function, statement.clone())
        .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "Statement": statement.to_string() }),
    ))
}

async fn get_policy(State(state): State<AppState>, Path(given): Path<String>) -> Result<Response> {
    let def = state.engine.get_function(&name(&state.engine, &given)?)?;
    if def.policy.is_empty() {
        return Err(LambdaError::new(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            "The resource you requested does not exist.",
        ));
    }
    let policy = json!({
        "Version": "2012-10-17",
        "Id": "default",
        "Statement": def.policy,
    });
    Ok(json_response(
        StatusCode::OK,
        &json!({ "Policy": policy.to_string(), "RevisionId": def.revision_id }),
    ))
}

async fn remove_permission(
    State(state): State<AppState>,
    Path((given, sid)): Path<(String, String)>,
) -> Result<Response> {
    let function = name(&state.engine, &given)?;
    state.engine.remove_permission(&function, &sid).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
