//! EventBridge's connections and API destinations (HTTP endpoints as targets) over the
//! AWS JSON 1.1 protocol.

use eddy_engine::destinations::{ApiDestinationDef, Authorization, ConnectionDef};
use eddy_engine::Engine;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::events::{error, paginate, pairs, required, seconds, serialization, with_token};
use super::{decode, AwsError};

pub(crate) async fn run(engine: &Engine, operation: &str, body: &[u8]) -> Result<Value, AwsError> {
    match operation {
        "CreateConnection" => {
            let req: CreateConnection = decode(body, serialization)?;
            let name = required(&req.name, "name")?.to_owned();
            let params = req.auth_parameters.unwrap_or_default();
            let authorization = match required(&req.authorization_type, "authorizationType")? {
                "BASIC" => {
                    let basic = params.basic_auth_parameters.unwrap_or_default();
                    Authorization::Basic {
                        username: basic.username.unwrap_or_default(),
                        password: basic.password.unwrap_or_default(),
                    }
                }
                "API_KEY" => {
                    let key = params.api_key_auth_parameters.unwrap_or_default();
                    Authorization::ApiKey { name: key.api_key_name.unwrap_or_default(), value: key.api_key_value.unwrap_or_default() }
                }
                "OAUTH_CLIENT_CREDENTIALS" => Authorization::OAuth {
                    authorization_endpoint: params
                        .o_auth_parameters
                        .and_then(|o| o.get("AuthorizationEndpoint").and_then(Value::as_str).map(str::to_owned))
                        .unwrap_or_default(),
                },
                other => {
                    return Err(AwsError::new(
                        "ValidationException",
                        format!("1 validation error detected: Value '{other}' at 'authorizationType' failed to satisfy constraint: Member must satisfy enum value set: [BASIC, OAUTH_CLIENT_CREDENTIALS, API_KEY]"),
                    ))
                }
            };
            let (headers, query) = match params.invocation_http_parameters {
                Some(p) => (
                    key_values(p.header_parameters)?,
                    key_values(p.query_string_parameters)?,
                ),
                None => (Vec::new(), Vec::new()),
            };
            let def = engine
                .create_connection(ConnectionDef {
                    name,
                    uuid: String::new(),
                    description: req.description,
                    authorization,
                    headers,
                    query,
                    created_at: 0,
                    modified_at: 0,
                })
                .await
                .map_err(error)?;
            Ok(json!({
                "ConnectionArn": engine.connection_arn(&def),
                "ConnectionState": "AUTHORIZED",
                "CreationTime": seconds(def.created_at),
                "LastModifiedTime": seconds(def.modified_at),
            }))
        }
        "DescribeConnection" => {
            let req: NameOnly = decode(body, serialization)?;
            let def = engine
                .connection(required(&req.name, "name")?)
                .map_err(error)?;
            let mut out = connection_out(engine, &def);
            let auth = match &def.authorization {
                Authorization::Basic { username, .. } => {
                    json!({ "BasicAuthParameters": { "Username": username } })
                }
                Authorization::ApiKey { name, .. } => {
                    json!({ "ApiKeyAuthParameters": { "ApiKeyName": name } })
                }
                Authorization::OAuth {
                    authorization_endpoint,
                } => {
                    json!({ "OAuthParameters": { "AuthorizationEndpoint": authorization_endpoint } })
                }
            };
            out["AuthParameters"] = auth;
            out["SecretArn"] = json!(format!(
                "arn:aws:secretsmanager:{}:{}:secret:events!connection/{}/{}",
                engine.scope().region,
                engine.scope().account,
                def.name,
                def.uuid
            ));
            Ok(out)
        }
        "DeleteConnection" => {
            let req: NameOnly = decode(body, serialization)?;
            let def = engine
                .delete_connection(required(&req.name, "name")?)
                .await
                .map_err(error)?;
            Ok(json!({
                "ConnectionArn": engine.connection_arn(&def),
                "ConnectionState": "DELETING",
                "CreationTime": seconds(def.created_at),
                "LastModifiedTime": seconds(def.modified_at),
            }))
        }
        "ListConnections" => {
            let req: ListRequest = decode(body, serialization)?;
            let all = engine.list_connections(req.name_prefix.as_deref().unwrap_or(""));
            let (page, next) = paginate(all, req.limit, req.next_token.as_deref())?;
            let items: Vec<Value> = page.iter().map(|c| connection_out(engine, c)).collect();
            Ok(with_token(json!({ "Connections": items }), next))
        }
        "CreateApiDestination" => {
            let req: CreateApiDestination = decode(body, serialization)?;
            let connection_arn = required(&req.connection_arn, "connectionArn")?;
            let connection = connection_arn
                .split(":connection/")
                .nth(1)
                .and_then(|rest| rest.split('/').next())
                .ok_or_else(|| {
                    AwsError::new(
                        "ResourceNotFoundException",
                        format!("Connection '{connection_arn}' does not exist."),
                    )
                })?;
            let def = engine
                .create_api_destination(ApiDestinationDef {
                    name: required(&req.name, "name")?.to_owned(),
                    uuid: String::new(),
                    description: req.description,
                    connection: connection.to_owned(),
                    endpoint: required(&req.invocation_endpoint, "invocationEndpoint")?.to_owned(),
                    method: required(&req.http_method, "httpMethod")?.to_owned(),
                    rate_limit_per_second: req.invocation_rate_limit_per_second.unwrap_or(300),
                    created_at: 0,
                    modified_at: 0,
                })
                .await
                .map_err(error)?;
            Ok(json!({
                "ApiDestinationArn": engine.api_destination_arn(&def),
                "ApiDestinationState": "ACTIVE",
                "CreationTime": seconds(def.created_at),
                "LastModifiedTime": seconds(def.modified_at),
            }))
        }
        "DescribeApiDestination" => {
            let req: NameOnly = decode(body, serialization)?;
            let def = engine
                .api_destination(required(&req.name, "name")?)
                .map_err(error)?;
            Ok(destination_out(engine, &def))
        }
        "DeleteApiDestination" => {
            let req: NameOnly = decode(body, serialization)?;
            engine
                .delete_api_destination(required(&req.name, "name")?)
                .await
                .map_err(error)?;
            Ok(json!({}))
        }
        _ => {
            let req: ListRequest = decode(body, serialization)?;
            let all = engine.list_api_destinations(req.name_prefix.as_deref().unwrap_or(""));
            let (page, next) = paginate(all, req.limit, req.next_token.as_deref())?;
            let items: Vec<Value> = page.iter().map(|d| destination_out(engine, d)).collect();
            Ok(with_token(json!({ "ApiDestinations": items }), next))
        }
    }
}

fn connection_out(engine: &Engine, def: &ConnectionDef) -> Value {
    let mut out = json!({
        "ConnectionArn": engine.connection_arn(def),
        "Name": def.name,
        "ConnectionState": "AUTHORIZED",
        "AuthorizationType": def.authorization.kind(),
        "CreationTime": seconds(def.created_at),
        "LastModifiedTime": seconds(def.modified_at),
        "LastAuthorizedTime": seconds(def.created_at),
    });
    if let Some(d) = &def.description {
        out["Description"] = json!(d);
    }
    out
}

fn destination_out(engine: &Engine, def: &ApiDestinationDef) -> Value {
    let connection_arn = engine
        .connection(&def.connection)
        .map(|c| engine.connection_arn(&c))
        .unwrap_or_default();
    let mut out = json!({
        "ApiDestinationArn": engine.api_destination_arn(def),
        "Name": def.name,
        "ApiDestinationState": "ACTIVE",
        "ConnectionArn": connection_arn,
        "InvocationEndpoint": def.endpoint,
        "HttpMethod": def.method,
        "InvocationRateLimitPerSecond": def.rate_limit_per_second,
        "CreationTime": seconds(def.created_at),
        "LastModifiedTime": seconds(def.modified_at),
    });
    if let Some(d) = &def.description {
        out["Description"] = json!(d);
    }
    out
}

/// `[{"Key": k, "Value": v, "IsValueSecret": b}]` as pairs.
fn key_values(list: Option<Vec<Map<String, Value>>>) -> Result<Vec<(String, String)>, AwsError> {
    let mut out = Vec::new();
    for item in list.unwrap_or_default() {
        let mut pair = pairs(
            Some(
                item.into_iter()
                    .filter(|(k, _)| k == "Key" || k == "Value")
                    .collect(),
            ),
            "Parameter",
        )?;
        pair.sort();
        let key = pair
            .iter()
            .find(|(k, _)| k == "Key")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let value = pair
            .iter()
            .find(|(k, _)| k == "Value")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        out.push((key, value));
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NameOnly {
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListRequest {
    name_prefix: Option<String>,
    next_token: Option<String>,
    limit: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct BasicAuth {
    username: Option<String>,
    password: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct ApiKeyAuth {
    api_key_name: Option<String>,
    api_key_value: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct HttpParams {
    header_parameters: Option<Vec<Map<String, Value>>>,
    query_string_parameters: Option<Vec<Map<String, Value>>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct AuthParameters {
    basic_auth_parameters: Option<BasicAuth>,
    api_key_auth_parameters: Option<ApiKeyAuth>,
    #[serde(rename = "OAuthParameters")]
    o_auth_parameters: Option<Map<String, Value>>,
    invocation_http_parameters: Option<HttpParams>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateConnection {
    name: Option<String>,
    description: Option<String>,
    authorization_type: Option<String>,
    auth_parameters: Option<AuthParameters>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateApiDestination {
    name: Option<String>,
    description: Option<String>,
    connection_arn: Option<String>,
    invocation_endpoint: Option<String>,
    http_method: Option<String>,
    invocation_rate_limit_per_second: Option<u32>,
}
