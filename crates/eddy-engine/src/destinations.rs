//! HTTP endpoints as targets: EventBridge's connections (how to authorise) and API
//! destinations (where and how fast to call), as resources of the engine.

use eddy_store::{Op, ResourceKind};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Kind};
use crate::Engine;

/// How a connection authorises its calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Authorization {
    /// `BASIC`: `Authorization: Basic base64(username:password)`.
    Basic {
        /// The user name.
        username: String,
        /// The password (kept; never printed back).
        password: String,
    },
    /// `API_KEY`: a header carrying a key.
    ApiKey {
        /// The header's name.
        name: String,
        /// The key (kept; never printed back).
        value: String,
    },
    /// `OAUTH_CLIENT_CREDENTIALS`: kept but not performed; calls go without a token.
    OAuth {
        /// The token endpoint.
        authorization_endpoint: String,
    },
}

impl Authorization {
    /// EventBridge's name for the type.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Basic { .. } => "BASIC",
            Self::ApiKey { .. } => "API_KEY",
            Self::OAuth { .. } => "OAUTH_CLIENT_CREDENTIALS",
        }
    }
}

/// A connection as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionDef {
    /// Its name.
    pub name: String,
    /// A unique suffix of its ARN.
    pub uuid: String,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// How calls are authorised.
    pub authorization: Authorization,
    /// Headers added to every call.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// Query-string parameters added to every call.
    #[serde(default)]
    pub query: Vec<(String, String)>,
    /// When it was created, ms since the Unix epoch.
    pub created_at: u64,
    /// When it last changed.
    pub modified_at: u64,
}

/// An API destination as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiDestinationDef {
    /// Its name.
    pub name: String,
    /// A unique suffix of its ARN.
    pub uuid: String,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// The connection's name.
    pub connection: String,
    /// The URL; each `*` takes the next of a target's path parameter values.
    pub endpoint: String,
    /// GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS.
    pub method: String,
    /// Most calls per second (default 300).
    pub rate_limit_per_second: u32,
    /// When it was created, ms since the Unix epoch.
    pub created_at: u64,
    /// When it last changed.
    pub modified_at: u64,
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

impl Engine {
    /// `arn:aws:events:REGION:ACCOUNT:connection/NAME/UUID`.
    pub fn connection_arn(&self, def: &ConnectionDef) -> String {
        let scope = &self.inner.config.scope;
        format!(
            "arn:aws:events:{}:{}:connection/{}/{}",
            scope.region, scope.account, def.name, def.uuid
        )
    }

    /// `arn:aws:events:REGION:ACCOUNT:api-destination/NAME/UUID`.
    pub fn api_destination_arn(&self, def: &ApiDestinationDef) -> String {
        let scope = &self.inner.config.scope;
        format!(
            "arn:aws:events:{}:{}:api-destination/{}/{}",
            scope.region, scope.account, def.name, def.uuid
        )
    }

    /// CreateConnection.
    pub async fn create_connection(&self, mut def: ConnectionDef) -> Result<ConnectionDef, Error> {
        check_name(&def.name)?;
        let now = self.now();
        def.uuid = uuid::Uuid::new_v4().to_string();
        def.created_at = now;
        def.modified_at = now;
        let body = serde_json::to_vec(&def).map_err(|_| Error::internal())?;
        let ack = {
            let mut registry = self.write();
            if registry.connections.contains_key(&def.name) {
                return Err(Error::new(
                    Kind::AlreadyExists,
                    format!("Connection {} already exists.", def.name),
                ));
            }
            registry.connections.insert(def.name.clone(), def.clone());
            self.inner.writer.commit(vec![Op::PutResource {
                kind: ResourceKind::Connection,
                key: def.name.clone(),
                body,
            }])
        };
        ack.wait().await?;
        Ok(def)
    }

    /// DescribeConnection.
    pub fn connection(&self, name: &str) -> Result<ConnectionDef, Error> {
        self.read().connections.get(name).cloned().ok_or_else(|| {
            Error::not_found(format!(
                "Failed to describe the connection(s). Connection '{name}' does not exist."
            ))
        })
    }

    /// ListConnections.
    pub fn list_connections(&self, prefix: &str) -> Vec<ConnectionDef> {
        self.read()
            .connections
            .values()
            .filter(|c| c.name.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// DeleteConnection: refused while an API destination uses it.
    pub async fn delete_connection(&self, name: &str) -> Result<ConnectionDef, Error> {
        let (def, ack) = {
            let mut registry = self.write();
            if registry.destinations.values().any(|d| d.connection == name) {
                return Err(Error::new(
                    Kind::Conflict,
                    format!(
                        "Connection '{name}' is used by an API destination and cannot be deleted."
                    ),
                ));
            }
            let def = registry.connections.remove(name).ok_or_else(|| {
                Error::not_found(format!(
                    "Failed to delete the connection(s). Connection '{name}' does not exist."
                ))
            })?;
            let ack = self.inner.writer.commit(vec![Op::DeleteResource {
                kind: ResourceKind::Connection,
                key: name.to_owned(),
            }]);
            (def, ack)
        };
        ack.wait().await?;
        Ok(def)
    }

    /// CreateApiDestination.
    pub async fn create_api_destination(
        &self,
        mut def: ApiDestinationDef,
    ) -> Result<ApiDestinationDef, Error> {
        check_name(&def.name)?;
        if !METHODS.contains(&def.method.as_str()) {
            return Err(Error::validation(format!(
                "1 validation error detected: Value '{}' at 'httpMethod' failed to satisfy constraint: Member must satisfy enum value set: [HEAD, POST, PATCH, DELETE, PUT, GET, OPTIONS]",
                def.method
            )));
        }
        if !(def.endpoint.starts_with("https://") || def.endpoint.starts_with("http://")) {
            return Err(Error::validation(format!(
                "1 validation error detected: Value '{}' at 'invocationEndpoint' failed to satisfy constraint: Member must satisfy regular expression pattern: ^((%[0-9A-Fa-f]{{2}}|[-()_.!~*';/?:@\\x26=+$,A-Za-z0-9])+)([).!';/?:,])?$",
                def.endpoint
            )));
        }
        if def.rate_limit_per_second == 0 {
            return Err(Error::validation(
                "1 validation error detected: Value '0' at 'invocationRateLimitPerSecond' failed to satisfy constraint: Member must have value greater than or equal to 1",
            ));
        }
        let now = self.now();
        def.uuid = uuid::Uuid::new_v4().to_string();
        def.created_at = now;
        def.modified_at = now;
        let body = serde_json::to_vec(&def).map_err(|_| Error::internal())?;
        let ack = {
            let mut registry = self.write();
            if !registry.connections.contains_key(&def.connection) {
                return Err(Error::not_found(format!(
                    "Connection '{}' does not exist.",
                    def.connection
                )));
            }
            if registry.destinations.contains_key(&def.name) {
                return Err(Error::new(
                    Kind::AlreadyExists,
                    format!("Api destination {} already exists.", def.name),
                ));
            }
            registry.destinations.insert(def.name.clone(), def.clone());
            self.inner.writer.commit(vec![Op::PutResource {
                kind: ResourceKind::ApiDestination,
                key: def.name.clone(),
                body,
            }])
        };
        ack.wait().await?;
        Ok(def)
    }

    /// DescribeApiDestination.
    pub fn api_destination(&self, name: &str) -> Result<ApiDestinationDef, Error> {
        self.read()
            .destinations
            .get(name)
            .cloned()
            .ok_or_else(|| Error::not_found(format!("Failed to describe the api-destination(s). An api-destination '{name}' does not exist.")))
    }

    /// ListApiDestinations.
    pub fn list_api_destinations(&self, prefix: &str) -> Vec<ApiDestinationDef> {
        self.read()
            .destinations
            .values()
            .filter(|d| d.name.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// DeleteApiDestination.
    pub async fn delete_api_destination(&self, name: &str) -> Result<(), Error> {
        let ack = {
            let mut registry = self.write();
            registry.destinations.remove(name).ok_or_else(|| {
                Error::not_found(format!("Failed to delete the api-destination(s). An api-destination '{name}' does not exist."))
            })?;
            self.inner.writer.commit(vec![Op::DeleteResource {
                kind: ResourceKind::ApiDestination,
                key: name.to_owned(),
            }])
        };
        ack.wait().await
    }
}

fn check_name(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(Error::validation(format!(
            "1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+"
        )))
    }
}
