//! `template.yaml` read as a deployment would read it: parameters (defaults, overrides, and
//! their `AllowedValues` / `AllowedPattern` / length and value limits), conditions, the
//! functions (binary, timeout, environment with every intrinsic resolved), the HTTP API (its
//! JWT authorizers and CORS configuration) and the routes of every function's `HttpApi` events.
//!
//! Names the local stack gives to resources: a function is `STACK-LogicalId` (ARN
//! `arn:aws:lambda:REGION:ACCOUNT:function:STACK-LogicalId`), any other resource's `Ref` is
//! `STACK-LogicalId` too (so `!Ref StateTable` is a table name).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value as Json;
use serde_yaml_ng::{Mapping, Value as Yaml};

use crate::cfn::{self, ResolveError, ResourceNames, Scope, scalar_text};

/// Why the template could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not YAML.
    #[error("{path}: not YAML: {source}")]
    Yaml {
        /// The file.
        path: String,
        /// Why.
        source: serde_yaml_ng::Error,
    },
    /// A part of the template breaks a rule (the path names it).
    #[error("template: {0}")]
    Invalid(#[from] ResolveError),
}

fn invalid(path: &str, rule: impl Into<String>) -> TemplateError {
    TemplateError::Invalid(ResolveError::new(path, rule))
}

/// Where and as what the stack is deployed locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackSettings {
    /// `AWS::StackName`.
    pub stack_name: String,
    /// `AWS::Region`.
    pub region: String,
    /// `AWS::AccountId`.
    pub account_id: String,
    /// Parameter values given for this run (as `sam deploy --parameter-overrides` would).
    pub parameters: BTreeMap<String, String>,
}

impl Default for StackSettings {
    fn default() -> Self {
        Self {
            stack_name: "ivschat-local".to_owned(),
            region: "us-east-1".to_owned(),
            account_id: "123456789012".to_owned(),
            parameters: BTreeMap::new(),
        }
    }
}

/// A JWT authorizer of the HTTP API (`Auth.Authorizers.NAME.JwtConfiguration`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtAuthorizer {
    /// The authorizer's name.
    pub name: String,
    /// The request header the token comes from (`$request.header.NAME`), lowercased.
    pub identity_header: String,
    /// The `iss` a token must carry, exactly.
    pub issuer: String,
    /// Accepted `aud` (or, without `aud`, `client_id`) values.
    pub audiences: Vec<String>,
    /// Scopes every route of this authorizer requires unless the route names its own.
    pub default_scopes: Vec<String>,
}

/// The HTTP API's CORS configuration (`CorsConfiguration`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsConfiguration {
    /// `AllowOrigins` (`*` for any).
    pub allow_origins: Vec<String>,
    /// `AllowMethods`.
    pub allow_methods: Vec<String>,
    /// `AllowHeaders` (lowercased).
    pub allow_headers: Vec<String>,
    /// `ExposeHeaders`.
    pub expose_headers: Vec<String>,
    /// `MaxAge` in seconds.
    pub max_age: Option<u64>,
    /// `AllowCredentials`.
    pub allow_credentials: bool,
}

/// One route of the HTTP API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    /// `POST`, or `ANY`.
    pub method: String,
    /// `/rooms/{roomId}/tokens`, or `$default`.
    pub path: String,
    /// The function it invokes (logical id).
    pub function: String,
    /// The authorizer it uses (name), or `None` for `Authorizer: NONE`.
    pub authorizer: Option<String>,
    /// Scopes the token must hold one of (empty: no scope check).
    pub scopes: Vec<String>,
}

impl RouteSpec {
    /// API Gateway's route key, e.g. `POST /rooms/{roomId}/tokens`.
    pub fn route_key(&self) -> String {
        if self.path == "$default" {
            "$default".to_owned()
        } else {
            format!("{} {}", self.method, self.path)
        }
    }
}

/// A table resource (`AWS::DynamoDB::Table`), for creating it locally.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSpec {
    /// Logical id.
    pub logical_id: String,
    /// Its local name (`STACK-LogicalId`, what `!Ref` gives).
    pub name: String,
    /// `AttributeDefinitions`, `KeySchema`, `BillingMode`, `TimeToLiveSpecification`, resolved.
    pub properties: Json,
}

/// A function of the template (`AWS::Serverless::Function`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionSpec {
    /// Logical id, e.g. `TokenApiFunction`.
    pub logical_id: String,
    /// The binary `Metadata.BuildProperties.Binary` names (cargo-lambda builds).
    pub binary: Option<String>,
    /// The function's local name, `STACK-LogicalId`.
    pub name: String,
    /// Its local ARN.
    pub arn: String,
    /// `Timeout` in seconds (Globals applied).
    pub timeout_seconds: u64,
    /// `Environment.Variables`, every value resolved to a string (Globals merged).
    pub environment: BTreeMap<String, String>,
    /// `Input` of its schedule events (`ScheduleV2` / `Schedule`), resolved to JSON text.
    pub schedule_inputs: Vec<String>,
}

/// The template, resolved for one local stack.
#[derive(Debug, Clone)]
pub struct Template {
    /// Parameter values in force (defaults and overrides).
    pub parameters: BTreeMap<String, String>,
    /// The functions, by logical id.
    pub functions: BTreeMap<String, FunctionSpec>,
    /// Tables, by logical id.
    pub tables: BTreeMap<String, TableSpec>,
    /// The JWT authorizers of the HTTP API, by name.
    pub authorizers: BTreeMap<String, JwtAuthorizer>,
    /// The HTTP API's CORS configuration, if it has one.
    pub cors: Option<CorsConfiguration>,
    /// Every route of the HTTP API.
    pub routes: Vec<RouteSpec>,
}

impl Template {
    /// Reads the template at `path` for `settings`.
    pub fn load(path: &Path, settings: &StackSettings) -> Result<Self, TemplateError> {
        let text = std::fs::read_to_string(path).map_err(|source| TemplateError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, settings).map_err(|error| match error {
            TemplateError::Yaml { source, .. } => TemplateError::Yaml {
                path: path.display().to_string(),
                source,
            },
            other => other,
        })
    }

    /// Reads a template from its text.
    pub fn parse(text: &str, settings: &StackSettings) -> Result<Self, TemplateError> {
        let root: Yaml = serde_yaml_ng::from_str(text).map_err(|source| TemplateError::Yaml {
            path: "template".to_owned(),
            source,
        })?;
        let root = root
            .as_mapping()
            .ok_or_else(|| invalid("template", "must be a mapping"))?;
        let empty = Mapping::new();
        let section = |name: &str| -> Result<&Mapping, TemplateError> {
            match root.get(name) {
                None => Ok(&empty),
                Some(value) => value
                    .as_mapping()
                    .ok_or_else(|| invalid(name, "must be a mapping")),
            }
        };
        let parameters_section = section("Parameters")?;
        let resources = section("Resources")?;
        let globals = section("Globals")?;

        let parameters = parameter_values(parameters_section, settings)?;
        let mut scope = Scope::default();
        scope
            .values
            .insert("AWS::Region".into(), Json::String(settings.region.clone()));
        scope.values.insert(
            "AWS::AccountId".into(),
            Json::String(settings.account_id.clone()),
        );
        scope.values.insert(
            "AWS::StackName".into(),
            Json::String(settings.stack_name.clone()),
        );
        scope
            .values
            .insert("AWS::Partition".into(), Json::String("aws".into()));
        scope.values.insert(
            "AWS::URLSuffix".into(),
            Json::String("amazonaws.com".into()),
        );
        scope.values.insert(
            "AWS::StackId".into(),
            Json::String(format!(
                "arn:aws:cloudformation:{}:{}:stack/{}/local",
                settings.region, settings.account_id, settings.stack_name
            )),
        );
        for (name, value) in &parameters {
            scope.values.insert(name.clone(), value.clone());
        }
        for (logical_id, resource) in resources {
            let Some(logical_id) = logical_id.as_str() else {
                continue;
            };
            let kind = resource
                .get("Type")
                .and_then(Yaml::as_str)
                .unwrap_or_default();
            scope.resources.insert(
                logical_id.to_owned(),
                resource_names(logical_id, kind, settings),
            );
        }
        for (name, expression) in section("Conditions")? {
            let Some(name) = name.as_str() else { continue };
            // Conditions may use earlier conditions; templates list them in a usable order.
            let value = cfn::resolve(expression, &scope, &format!("Conditions.{name}"))?;
            let value = value.as_bool().ok_or_else(|| {
                invalid(
                    &format!("Conditions.{name}"),
                    "must evaluate to true or false",
                )
            })?;
            scope.conditions.insert(name.to_owned(), value);
        }

        check_rules(section("Rules")?, &scope)?;

        let global_function = globals.get("Function").cloned().unwrap_or(Yaml::Null);
        let global_function = cfn::resolve(&global_function, &scope, "Globals.Function")?;
        let mut functions = BTreeMap::new();
        let mut tables = BTreeMap::new();
        let mut apis = Vec::new();
        let mut routes = Vec::new();
        for (logical_id, resource) in resources {
            let Some(logical_id) = logical_id.as_str() else {
                continue;
            };
            let kind = resource
                .get("Type")
                .and_then(Yaml::as_str)
                .unwrap_or_default();
            let path = format!("Resources.{logical_id}");
            // A resource whose Condition is false does not exist in this deployment.
            if let Some(condition) = resource.get("Condition").and_then(Yaml::as_str)
                && scope.conditions.get(condition) == Some(&false)
            {
                continue;
            }
            match kind {
                "AWS::Serverless::Function" => {
                    let (function, function_routes) =
                        function_spec(logical_id, resource, &global_function, &scope, &path)?;
                    functions.insert(logical_id.to_owned(), function);
                    routes.extend(function_routes);
                }
                "AWS::Serverless::HttpApi" => apis.push(logical_id.to_owned()),
                "AWS::DynamoDB::Table" => {
                    let properties = resource.get("Properties").cloned().unwrap_or(Yaml::Null);
                    let properties =
                        cfn::resolve(&properties, &scope, &format!("{path}.Properties"))?;
                    let name = scope
                        .resources
                        .get(logical_id)
                        .map(|r| r.reference.clone())
                        .unwrap_or_default();
                    tables.insert(
                        logical_id.to_owned(),
                        TableSpec {
                            logical_id: logical_id.to_owned(),
                            name,
                            properties,
                        },
                    );
                }
                _ => {}
            }
        }
        let (authorizers, default_authorizer, cors) = match apis.as_slice() {
            [] => (BTreeMap::new(), None, None),
            [api] => {
                let resource = resources.get(api.as_str()).cloned().unwrap_or(Yaml::Null);
                http_api(api, &resource, &scope)?
            }
            _ => {
                return Err(invalid(
                    "Resources",
                    format!(
                        "the local front serves one AWS::Serverless::HttpApi; this template has {}",
                        apis.join(", ")
                    ),
                ));
            }
        };
        for route in &mut routes {
            match route.authorizer.as_deref() {
                Some("NONE") => route.authorizer = None,
                Some(_) => {}
                None => route.authorizer.clone_from(&default_authorizer),
            }
            if let Some(name) = &route.authorizer {
                let authorizer = authorizers.get(name).ok_or_else(|| {
                    invalid(
                        &format!("Resources.{}.Properties.Events", route.function),
                        format!(
                            "route {} uses the authorizer {name}, which the HTTP API does not define as a JWT authorizer",
                            route.route_key()
                        ),
                    )
                })?;
                if route.scopes.is_empty() {
                    route.scopes.clone_from(&authorizer.default_scopes);
                }
            }
        }
        let mut seen = BTreeMap::new();
        for route in &routes {
            if let Some(other) = seen.insert(route.route_key(), route.function.clone()) {
                return Err(invalid(
                    "Resources",
                    format!(
                        "route {} is declared twice ({other} and {})",
                        route.route_key(),
                        route.function
                    ),
                ));
            }
        }
        Ok(Self {
            parameters: parameters
                .into_iter()
                .map(|(k, v)| {
                    let text = match &v {
                        Json::Array(items) => items
                            .iter()
                            .filter_map(scalar_text)
                            .collect::<Vec<_>>()
                            .join(","),
                        other => scalar_text(other).unwrap_or_default(),
                    };
                    (k, text)
                })
                .collect(),
            functions,
            tables,
            authorizers,
            cors,
            routes,
        })
    }

    /// The function with this logical id.
    pub fn function(&self, logical_id: &str) -> Option<&FunctionSpec> {
        self.functions.get(logical_id)
    }
}

/// `Rules`: every assertion of a rule whose `RuleCondition` holds must hold, as CloudFormation
/// checks parameters before it deploys.
fn check_rules(rules: &Mapping, scope: &Scope) -> Result<(), TemplateError> {
    for (name, rule) in rules {
        let name = name.as_str().unwrap_or_default();
        let path = format!("Rules.{name}");
        if let Some(condition) = rule.get("RuleCondition") {
            let applies = cfn::resolve(condition, scope, &format!("{path}.RuleCondition"))?;
            if applies != Json::Bool(true) {
                continue;
            }
        }
        let assertions = rule
            .get("Assertions")
            .and_then(Yaml::as_sequence)
            .cloned()
            .unwrap_or_default();
        for (index, assertion) in assertions.iter().enumerate() {
            let Some(check) = assertion.get("Assert") else {
                continue;
            };
            let holds = cfn::resolve(check, scope, &format!("{path}.Assertions[{index}]"))?;
            if holds != Json::Bool(true) {
                let description = assertion
                    .get("AssertDescription")
                    .and_then(Yaml::as_str)
                    .unwrap_or("the assertion does not hold");
                return Err(invalid(&path, description));
            }
        }
    }
    Ok(())
}

fn resource_names(logical_id: &str, kind: &str, settings: &StackSettings) -> ResourceNames {
    let name = format!("{}-{logical_id}", settings.stack_name);
    let (region, account) = (&settings.region, &settings.account_id);
    let arn = match kind {
        "AWS::Serverless::Function" | "AWS::Lambda::Function" => {
            Some(format!("arn:aws:lambda:{region}:{account}:function:{name}"))
        }
        "AWS::DynamoDB::Table" => Some(format!("arn:aws:dynamodb:{region}:{account}:table/{name}")),
        "AWS::Logs::LogGroup" => Some(format!(
            "arn:aws:logs:{region}:{account}:log-group:{name}:*"
        )),
        "AWS::SNS::Topic" => Some(format!("arn:aws:sns:{region}:{account}:{name}")),
        "AWS::CloudWatch::Alarm" => Some(format!(
            "arn:aws:cloudwatch:{region}:{account}:alarm:{name}"
        )),
        "AWS::IAM::ManagedPolicy" => Some(format!("arn:aws:iam::{account}:policy/{name}")),
        "AWS::IVSChat::Room" => Some(format!("arn:aws:ivschat:{region}:{account}:room/{name}")),
        _ => None,
    };
    let mut attributes = BTreeMap::new();
    if let Some(arn) = arn {
        attributes.insert("Arn".to_owned(), arn);
    }
    attributes.insert("Name".to_owned(), name.clone());
    ResourceNames {
        reference: name,
        attributes,
    }
}

/// Each parameter's value: the override, else the default; checked against its constraints.
fn parameter_values(
    section: &Mapping,
    settings: &StackSettings,
) -> Result<BTreeMap<String, Json>, TemplateError> {
    for name in settings.parameters.keys() {
        if section.get(name.as_str()).is_none() {
            return Err(invalid(
                &format!("--parameter {name}"),
                "the template declares no such parameter",
            ));
        }
    }
    let mut values = BTreeMap::new();
    for (name, declaration) in section {
        let Some(name) = name.as_str() else { continue };
        let path = format!("Parameters.{name}");
        let kind = declaration
            .get("Type")
            .and_then(Yaml::as_str)
            .unwrap_or("String");
        let default = declaration.get("Default").map(|d| match d {
            Yaml::String(s) => s.clone(),
            Yaml::Number(n) => n.to_string(),
            Yaml::Bool(b) => b.to_string(),
            Yaml::Sequence(items) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect::<Vec<_>>()
                .join(","),
            _ => String::new(),
        });
        let value = settings
            .parameters
            .get(name)
            .cloned()
            .or(default)
            .ok_or_else(|| {
                invalid(
                    &path,
                    format!("has no Default and no value was given (--parameter {name}=VALUE)"),
                )
            })?;
        check_parameter(&path, declaration, kind, &value)?;
        let resolved = if kind == "CommaDelimitedList" || kind.starts_with("List<") {
            Json::Array(
                value
                    .split(',')
                    .map(|s| Json::String(s.to_owned()))
                    .collect(),
            )
        } else {
            Json::String(value)
        };
        values.insert(name.to_owned(), resolved);
    }
    Ok(values)
}

fn check_parameter(
    path: &str,
    declaration: &Yaml,
    kind: &str,
    value: &str,
) -> Result<(), TemplateError> {
    let text_list = |key: &str| -> Vec<String> {
        declaration
            .get(key)
            .and_then(Yaml::as_sequence)
            .map(|items| {
                items
                    .iter()
                    .map(|i| match i {
                        Yaml::String(s) => s.clone(),
                        Yaml::Number(n) => n.to_string(),
                        Yaml::Bool(b) => b.to_string(),
                        _ => String::new(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let number = |key: &str| declaration.get(key).and_then(Yaml::as_f64);
    let allowed = text_list("AllowedValues");
    if !allowed.is_empty() && !allowed.iter().any(|a| a == value) {
        return Err(invalid(
            path,
            format!(
                "`{value}` is not one of its AllowedValues ({})",
                allowed.join(", ")
            ),
        ));
    }
    if let Some(pattern) = declaration.get("AllowedPattern").and_then(Yaml::as_str) {
        let regex = regex::Regex::new(&format!("^(?:{pattern})$")).map_err(|e| {
            invalid(
                path,
                format!("AllowedPattern is not a regular expression: {e}"),
            )
        })?;
        if !regex.is_match(value) {
            return Err(invalid(
                path,
                format!("`{value}` does not match its AllowedPattern {pattern}"),
            ));
        }
    }
    let length = value.chars().count() as f64;
    if number("MinLength").is_some_and(|min| length < min)
        || number("MaxLength").is_some_and(|max| length > max)
    {
        return Err(invalid(path, "is outside its MinLength / MaxLength"));
    }
    if kind == "Number" {
        let parsed: f64 = value
            .parse()
            .map_err(|_| invalid(path, format!("`{value}` is not a number")))?;
        if number("MinValue").is_some_and(|min| parsed < min)
            || number("MaxValue").is_some_and(|max| parsed > max)
        {
            return Err(invalid(
                path,
                format!("`{value}` is outside its MinValue / MaxValue"),
            ));
        }
    }
    Ok(())
}

fn text_of(value: &Json) -> Option<String> {
    match value {
        Json::Array(items) => Some(
            items
                .iter()
                .filter_map(scalar_text)
                .collect::<Vec<_>>()
                .join(","),
        ),
        Json::Null => None,
        other => scalar_text(other),
    }
}

fn strings(value: Option<&Json>) -> Vec<String> {
    match value {
        Some(Json::Array(items)) => items.iter().filter_map(scalar_text).collect(),
        Some(Json::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn function_spec(
    logical_id: &str,
    resource: &Yaml,
    globals: &Json,
    scope: &Scope,
    path: &str,
) -> Result<(FunctionSpec, Vec<RouteSpec>), TemplateError> {
    let metadata = resource.get("Metadata").cloned().unwrap_or(Yaml::Null);
    let metadata = cfn::resolve(&metadata, scope, &format!("{path}.Metadata"))?;
    let binary = metadata
        .pointer("/BuildProperties/Binary")
        .and_then(Json::as_str)
        .map(str::to_owned);
    let mut properties = resource.get("Properties").cloned().unwrap_or(Yaml::Null);
    // Events are resolved one by one below, so an unsupported intrinsic in one names it.
    let events = properties
        .as_mapping_mut()
        .and_then(|m| m.remove("Events"))
        .unwrap_or(Yaml::Null);
    let properties = cfn::resolve(&properties, scope, &format!("{path}.Properties"))?;
    let timeout_seconds = properties
        .get("Timeout")
        .or_else(|| globals.get("Timeout"))
        .and_then(|t| scalar_text(t)?.parse().ok())
        .unwrap_or(3);
    let mut environment = BTreeMap::new();
    for source in [
        globals.pointer("/Environment/Variables"),
        properties.pointer("/Environment/Variables"),
    ]
    .into_iter()
    .flatten()
    {
        let Json::Object(variables) = source else {
            return Err(invalid(
                &format!("{path}.Properties.Environment.Variables"),
                "must be a mapping",
            ));
        };
        for (name, value) in variables {
            let text = text_of(value).ok_or_else(|| {
                invalid(
                    &format!("{path}.Properties.Environment.Variables.{name}"),
                    "must resolve to a string",
                )
            })?;
            environment.insert(name.clone(), text);
        }
    }
    let names = scope.resources.get(logical_id);
    let name = names.map(|n| n.reference.clone()).unwrap_or_default();
    let arn = names
        .and_then(|n| n.attributes.get("Arn").cloned())
        .unwrap_or_default();
    let mut routes = Vec::new();
    let mut schedule_inputs = Vec::new();
    if let Yaml::Mapping(events) = events {
        for (event_name, event) in &events {
            let event_name = event_name.as_str().unwrap_or_default();
            let event_path = format!("{path}.Properties.Events.{event_name}");
            let kind = event.get("Type").and_then(Yaml::as_str).unwrap_or_default();
            match kind {
                "HttpApi" => {
                    let event = cfn::resolve(event, scope, &event_path)?;
                    let properties = event.get("Properties").cloned().unwrap_or(Json::Null);
                    let method = properties
                        .get("Method")
                        .and_then(Json::as_str)
                        .unwrap_or("ANY")
                        .to_ascii_uppercase();
                    let path_text = properties
                        .get("Path")
                        .and_then(Json::as_str)
                        .unwrap_or("$default")
                        .to_owned();
                    if path_text != "$default" && !path_text.starts_with('/') {
                        return Err(invalid(&event_path, "Path must start with /"));
                    }
                    let authorizer = properties
                        .pointer("/Auth/Authorizer")
                        .and_then(Json::as_str)
                        .map(str::to_owned);
                    let scopes = strings(properties.pointer("/Auth/AuthorizationScopes"));
                    let (method, path_text) = if path_text == "$default" {
                        ("ANY".to_owned(), path_text)
                    } else {
                        (method, path_text)
                    };
                    routes.push(RouteSpec {
                        method,
                        path: path_text,
                        function: logical_id.to_owned(),
                        authorizer,
                        scopes,
                    });
                }
                "Schedule" | "ScheduleV2" => {
                    let event = cfn::resolve(event, scope, &event_path)?;
                    if let Some(input) = event.pointer("/Properties/Input").and_then(Json::as_str) {
                        schedule_inputs.push(input.to_owned());
                    }
                }
                _ => {}
            }
        }
    }
    Ok((
        FunctionSpec {
            logical_id: logical_id.to_owned(),
            binary,
            name,
            arn,
            timeout_seconds,
            environment,
            schedule_inputs,
        },
        routes,
    ))
}

type ApiParts = (
    BTreeMap<String, JwtAuthorizer>,
    Option<String>,
    Option<CorsConfiguration>,
);

fn http_api(logical_id: &str, resource: &Yaml, scope: &Scope) -> Result<ApiParts, TemplateError> {
    let path = format!("Resources.{logical_id}.Properties");
    let properties = resource.get("Properties").cloned().unwrap_or(Yaml::Null);
    let mut properties_map = properties.as_mapping().cloned().unwrap_or_default();
    let auth = properties_map.remove("Auth").unwrap_or(Yaml::Null);
    let cors = properties_map.remove("CorsConfiguration");
    let auth = cfn::resolve(&auth, scope, &format!("{path}.Auth"))?;
    let mut authorizers = BTreeMap::new();
    if let Some(Json::Object(defined)) = auth.get("Authorizers") {
        for (name, definition) in defined {
            let here = format!("{path}.Auth.Authorizers.{name}");
            let Some(jwt) = definition.get("JwtConfiguration") else {
                return Err(invalid(
                    &here,
                    "only JWT authorizers (JwtConfiguration) are supported by the local front",
                ));
            };
            let source = definition
                .get("IdentitySource")
                .and_then(Json::as_str)
                .unwrap_or("$request.header.Authorization");
            let header = source
                .strip_prefix("$request.header.")
                .ok_or_else(|| {
                    invalid(
                        &format!("{here}.IdentitySource"),
                        format!(
                            "`{source}`: only $request.header.NAME is supported by the local front"
                        ),
                    )
                })?
                .to_ascii_lowercase();
            let issuer = jwt
                .get("issuer")
                .and_then(Json::as_str)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| invalid(&format!("{here}.JwtConfiguration.issuer"), "must be set"))?
                .to_owned();
            let audiences = strings(jwt.get("audience"))
                .into_iter()
                .filter(|a| !a.is_empty())
                .collect::<Vec<_>>();
            if audiences.is_empty() {
                return Err(invalid(
                    &format!("{here}.JwtConfiguration.audience"),
                    "must name at least one audience",
                ));
            }
            authorizers.insert(
                name.clone(),
                JwtAuthorizer {
                    name: name.clone(),
                    identity_header: header,
                    issuer,
                    audiences,
                    default_scopes: strings(definition.get("AuthorizationScopes")),
                },
            );
        }
    }
    let default_authorizer = auth
        .get("DefaultAuthorizer")
        .and_then(Json::as_str)
        .map(str::to_owned);
    if let Some(name) = &default_authorizer
        && !authorizers.contains_key(name)
    {
        return Err(invalid(
            &format!("{path}.Auth.DefaultAuthorizer"),
            format!("{name} is not one of the API's authorizers"),
        ));
    }
    let cors = match cors {
        None => None,
        Some(cors) => {
            let cors = cfn::resolve(&cors, scope, &format!("{path}.CorsConfiguration"))?;
            Some(CorsConfiguration {
                allow_origins: strings(cors.get("AllowOrigins")),
                allow_methods: strings(cors.get("AllowMethods"))
                    .into_iter()
                    .map(|m| m.to_ascii_uppercase())
                    .collect(),
                allow_headers: strings(cors.get("AllowHeaders"))
                    .into_iter()
                    .map(|h| h.to_ascii_lowercase())
                    .collect(),
                expose_headers: strings(cors.get("ExposeHeaders")),
                max_age: cors
                    .get("MaxAge")
                    .and_then(|v| scalar_text(v)?.parse().ok()),
                allow_credentials: cors
                    .get("AllowCredentials")
                    .and_then(scalar_text)
                    .is_some_and(|v| v == "true"),
            })
        }
    };
    Ok((authorizers, default_authorizer, cors))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"
Parameters:
  Issuer: {Type: String}
  Audience: {Type: CommaDelimitedList}
  Name: {Type: String, Default: chat, AllowedPattern: "^[a-z]+$"}
  Minutes: {Type: Number, Default: 60, MinValue: 1, MaxValue: 180}
  Origins: {Type: CommaDelimitedList, Default: "https://example.com"}
Conditions:
  HasName: !Not [!Equals [!Ref Name, ""]]
Globals:
  Function:
    Timeout: 10
    Environment:
      Variables:
        SHARED: !Ref AWS::Region
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Jwt
        Authorizers:
          Jwt:
            IdentitySource: $request.header.Authorization
            JwtConfiguration:
              issuer: !Ref Issuer
              audience: !Ref Audience
      CorsConfiguration:
        AllowOrigins: !Ref Origins
        AllowMethods: [post, OPTIONS]
        AllowHeaders: [Authorization, content-type]
        MaxAge: 600
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
  Tokens:
    Type: AWS::Serverless::Function
    Metadata:
      BuildProperties: {Binary: token-api}
    Properties:
      Timeout: 29
      Environment:
        Variables:
          NAME: !If [HasName, !Ref Name, none]
          MINUTES: !Ref Minutes
          TABLE: !Ref Table
          SELF: !GetAtt Other.Arn
          LOG: !Sub /aws/lambda/${AWS::StackName}-tokens
      Events:
        Mint:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: "/rooms/{roomId}/tokens", Method: post}
        Hook:
          Type: HttpApi
          Properties:
            ApiId: !Ref Api
            Path: /hook
            Method: POST
            Auth: {Authorizer: NONE}
  Other:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Tick:
          Type: ScheduleV2
          Properties: {ScheduleExpression: rate(1 hour), Input: '{"dry_run": false}'}
"#;

    fn settings(pairs: &[(&str, &str)]) -> StackSettings {
        StackSettings {
            parameters: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..StackSettings::default()
        }
    }

    #[test]
    fn functions_routes_authorizers_and_cors_come_from_the_template() {
        let template = Template::parse(
            TEMPLATE,
            &settings(&[("Issuer", "http://127.0.0.1:1"), ("Audience", "a,b")]),
        )
        .expect("valid");
        let tokens = template.function("Tokens").expect("function");
        assert_eq!(tokens.binary.as_deref(), Some("token-api"));
        assert_eq!(tokens.timeout_seconds, 29);
        assert_eq!(tokens.environment["NAME"], "chat");
        assert_eq!(tokens.environment["MINUTES"], "60");
        assert_eq!(tokens.environment["TABLE"], "ivschat-local-Table");
        assert_eq!(tokens.environment["SHARED"], "us-east-1");
        assert_eq!(
            tokens.environment["SELF"],
            "arn:aws:lambda:us-east-1:123456789012:function:ivschat-local-Other"
        );
        assert_eq!(
            tokens.environment["LOG"],
            "/aws/lambda/ivschat-local-tokens"
        );
        assert_eq!(
            template.function("Other").expect("other").timeout_seconds,
            10
        );
        assert_eq!(
            template.function("Other").expect("other").schedule_inputs,
            [r#"{"dry_run": false}"#]
        );
        let keys: Vec<String> = template.routes.iter().map(RouteSpec::route_key).collect();
        assert_eq!(keys, ["POST /rooms/{roomId}/tokens", "POST /hook"]);
        assert_eq!(template.routes[0].authorizer.as_deref(), Some("Jwt"));
        assert_eq!(template.routes[1].authorizer, None);
        let jwt = &template.authorizers["Jwt"];
        assert_eq!(jwt.identity_header, "authorization");
        assert_eq!(jwt.issuer, "http://127.0.0.1:1");
        assert_eq!(jwt.audiences, ["a", "b"]);
        let cors = template.cors.expect("cors");
        assert_eq!(cors.allow_origins, ["https://example.com"]);
        assert_eq!(cors.allow_methods, ["POST", "OPTIONS"]);
        assert_eq!(cors.max_age, Some(600));
        assert_eq!(template.tables["Table"].name, "ivschat-local-Table");
    }

    #[test]
    fn a_parameter_without_default_or_value_is_named() {
        let error = Template::parse(TEMPLATE, &settings(&[("Issuer", "x")])).expect_err("missing");
        let text = error.to_string();
        assert!(text.contains("Parameters.Audience"), "{text}");
        assert!(text.contains("--parameter Audience=VALUE"), "{text}");
    }

    #[test]
    fn parameter_constraints_are_checked() {
        let base = [("Issuer", "x"), ("Audience", "a")];
        let with = |extra: (&'static str, &'static str)| {
            let mut pairs = base.to_vec();
            pairs.push(extra);
            Template::parse(TEMPLATE, &settings(&pairs))
                .expect_err("invalid")
                .to_string()
        };
        assert!(with(("Name", "Chat1")).contains("AllowedPattern"));
        assert!(with(("Minutes", "500")).contains("MaxValue"));
        assert!(with(("Minutes", "soon")).contains("not a number"));
        assert!(with(("Nope", "1")).contains("no such parameter"));
    }

    #[test]
    fn rules_and_resource_conditions_apply() {
        let text = r#"
Parameters:
  Pool: {Type: String, Default: "false", AllowedValues: ["true", "false"]}
  Issuer: {Type: String, Default: ""}
Rules:
  IssuerWithoutPool:
    RuleCondition: !Equals [!Ref Pool, "false"]
    Assertions:
      - Assert: !Not [!Equals [!Ref Issuer, ""]]
        AssertDescription: Issuer is required when Pool is false.
Conditions:
  MakesPool: !Equals [!Ref Pool, "true"]
Resources:
  Hidden:
    Type: AWS::Serverless::Function
    Condition: MakesPool
    Properties: {}
"#;
        let error = Template::parse(text, &settings(&[])).expect_err("rule");
        assert!(error.to_string().contains("Issuer is required"), "{error}");
        let template = Template::parse(text, &settings(&[("Issuer", "x")])).expect("valid");
        assert!(template.function("Hidden").is_none());
        let template = Template::parse(text, &settings(&[("Pool", "true")])).expect("valid");
        assert!(template.function("Hidden").is_some());
    }

    #[test]
    fn the_project_template_reads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml");
        let template = Template::load(
            &path,
            &settings(&[
                ("JwtIssuer", "http://127.0.0.1:4502"),
                ("JwtAudience", "ivschat-local"),
                (
                    "WebhookSecretArn",
                    "arn:aws:secretsmanager:us-east-1:123456789012:secret:local-AbCdEf",
                ),
            ]),
        )
        .expect("template.yaml reads");
        let token = template.function("TokenApiFunction").expect("token api");
        assert_eq!(token.binary.as_deref(), Some("token-api"));
        assert!(token.environment.contains_key("ROLE_CAPABILITIES"));
        let webhook = template
            .routes
            .iter()
            .find(|r| r.path == "/webhooks/moderation")
            .expect("webhook route");
        assert_eq!(webhook.authorizer, None);
        let mint = template
            .routes
            .iter()
            .find(|r| r.path == "/rooms/{roomId}/tokens")
            .expect("token route");
        assert_eq!(mint.authorizer.as_deref(), Some("Jwt"));
        assert!(template.authorizers["Jwt"].audiences == ["ivschat-local"]);
    }
}
