//! CloudFormation intrinsic functions, resolved the way a deployment would resolve them, for the
//! parts of `template.yaml` the local stack needs (function environments, HTTP API settings,
//! table key schemas).
//!
//! Both spellings are read: YAML short tags (`!Ref X`, `!Sub ...`, `!GetAtt A.B`) and the long
//! form (`{Ref: X}`, `{"Fn::Sub": ...}`). Supported: `Ref` (parameters, pseudo parameters,
//! resources), `Fn::GetAtt` (`Arn` and `Name` of functions and tables), `Fn::Sub` (both forms),
//! `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::If`, `Fn::Equals`, `Fn::Not`, `Fn::And`,
//! `Fn::Or`, `Fn::Contains` (in `Rules`), `Condition` and `AWS::NoValue`. Anything else is an error naming where it was met.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};
use serde_yaml_ng::Value as Yaml;

/// Why a part of the template could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {rule}")]
pub struct ResolveError {
    /// Where in the template, e.g. `Resources.TokenApiFunction.Properties.Environment`.
    pub path: String,
    /// What is wrong.
    pub rule: String,
}

impl ResolveError {
    pub(crate) fn new(path: &str, rule: impl Into<String>) -> Self {
        Self {
            path: path.to_owned(),
            rule: rule.into(),
        }
    }
}

/// What a name resolves to under `Ref` and `Fn::GetAtt`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ResourceNames {
    /// `Ref` of the resource (its physical name or id).
    pub reference: String,
    /// `Fn::GetAtt` attributes the local stack knows.
    pub attributes: BTreeMap<String, String>,
}

/// Everything `Ref`, `Fn::GetAtt` and `Fn::If` can name.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    /// Parameters (with their resolved values) and pseudo parameters.
    pub values: BTreeMap<String, Json>,
    /// Resources by logical id.
    pub resources: BTreeMap<String, ResourceNames>,
    /// Conditions, evaluated.
    pub conditions: BTreeMap<String, bool>,
}

/// The marker `AWS::NoValue` resolves to; removed from the enclosing mapping or list.
const NO_VALUE: &str = "\u{0}AWS::NoValue";

/// Resolves every intrinsic function in `value`. `path` names `value` in errors.
pub(crate) fn resolve(value: &Yaml, scope: &Scope, path: &str) -> Result<Json, ResolveError> {
    let resolved = resolve_inner(value, scope, path)?;
    Ok(strip_no_value(resolved).unwrap_or(Json::Null))
}

fn strip_no_value(value: Json) -> Option<Json> {
    match value {
        Json::String(s) if s == NO_VALUE => None,
        Json::Array(items) => Some(Json::Array(
            items.into_iter().filter_map(strip_no_value).collect(),
        )),
        Json::Object(map) => Some(Json::Object(
            map.into_iter()
                .filter_map(|(k, v)| strip_no_value(v).map(|v| (k, v)))
                .collect(),
        )),
        other => Some(other),
    }
}

fn resolve_inner(value: &Yaml, scope: &Scope, path: &str) -> Result<Json, ResolveError> {
    match value {
        Yaml::Null => Ok(Json::Null),
        Yaml::Bool(b) => Ok(Json::Bool(*b)),
        Yaml::Number(n) => Ok(number_to_json(n)),
        Yaml::String(s) => Ok(Json::String(s.clone())),
        Yaml::Sequence(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| resolve_inner(item, scope, &format!("{path}[{i}]")))
            .collect::<Result<Vec<_>, _>>()
            .map(Json::Array),
        Yaml::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let function = if name == "Ref" || name == "Condition" {
                name.to_owned()
            } else {
                format!("Fn::{name}")
            };
            intrinsic(&function, &tagged.value, scope, path)
        }
        Yaml::Mapping(map) => {
            if map.len() == 1
                && let Some((Yaml::String(key), argument)) = map.iter().next()
                && (key == "Ref" || key == "Condition" || key.starts_with("Fn::"))
            {
                return intrinsic(key, argument, scope, path);
            }
            let mut out = Map::new();
            for (key, item) in map {
                let key = match key {
                    Yaml::String(s) => s.clone(),
                    Yaml::Number(n) => n.to_string(),
                    Yaml::Bool(b) => b.to_string(),
                    _ => return Err(ResolveError::new(path, "mapping keys must be scalars")),
                };
                let child = format!("{path}.{key}");
                out.insert(key, resolve_inner(item, scope, &child)?);
            }
            Ok(Json::Object(out))
        }
    }
}

fn number_to_json(n: &serde_yaml_ng::Number) -> Json {
    if let Some(i) = n.as_i64() {
        Json::from(i)
    } else if let Some(u) = n.as_u64() {
        Json::from(u)
    } else {
        n.as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or(Json::Null, Json::Number)
    }
}

fn intrinsic(
    function: &str,
    argument: &Yaml,
    scope: &Scope,
    path: &str,
) -> Result<Json, ResolveError> {
    let here = format!("{path} ({function})");
    match function {
        "Ref" => {
            let name = scalar_text(&resolve_inner(argument, scope, path)?)
                .ok_or_else(|| ResolveError::new(&here, "takes a logical id or parameter name"))?;
            reference(&name, scope, &here)
        }
        "Condition" => {
            let name = scalar_text(&resolve_inner(argument, scope, path)?)
                .ok_or_else(|| ResolveError::new(&here, "takes a condition name"))?;
            condition(&name, scope, &here).map(Json::Bool)
        }
        "Fn::GetAtt" => {
            let (resource, attribute) = match resolve_inner(argument, scope, path)? {
                Json::String(s) => match s.split_once('.') {
                    Some((r, a)) => (r.to_owned(), a.to_owned()),
                    None => return Err(ResolveError::new(&here, "takes LogicalId.Attribute")),
                },
                Json::Array(items) if items.len() == 2 => (
                    scalar_text(&items[0]).unwrap_or_default(),
                    scalar_text(&items[1]).unwrap_or_default(),
                ),
                _ => return Err(ResolveError::new(&here, "takes LogicalId.Attribute")),
            };
            let names = scope
                .resources
                .get(&resource)
                .ok_or_else(|| ResolveError::new(&here, format!("no resource named {resource}")))?;
            names
                .attributes
                .get(&attribute)
                .map(|v| Json::String(v.clone()))
                .ok_or_else(|| {
                    ResolveError::new(
                        &here,
                        format!("{resource}.{attribute} is not an attribute the local stack knows"),
                    )
                })
        }
        "Fn::Sub" => {
            let (text, variables) = match argument {
                Yaml::Sequence(items) if items.len() == 2 => {
                    let text = resolve_inner(&items[0], scope, path)?;
                    let variables = match resolve_inner(&items[1], scope, path)? {
                        Json::Object(map) => map,
                        _ => return Err(ResolveError::new(&here, "variables must be a mapping")),
                    };
                    (text, variables)
                }
                other => (resolve_inner(other, scope, path)?, Map::new()),
            };
            let text = text
                .as_str()
                .ok_or_else(|| ResolveError::new(&here, "takes a string"))?
                .to_owned();
            substitute(&text, &variables, scope, &here).map(Json::String)
        }
        "Fn::Join" => {
            let args = list_argument(argument, scope, path, &here, 2)?;
            let delimiter = args[0]
                .as_str()
                .ok_or_else(|| ResolveError::new(&here, "the delimiter must be a string"))?;
            let items = args[1]
                .as_array()
                .ok_or_else(|| ResolveError::new(&here, "takes [delimiter, [values]]"))?;
            let parts: Vec<String> = items
                .iter()
                .filter(|item| item.as_str() != Some(NO_VALUE))
                .map(|item| {
                    scalar_text(item)
                        .ok_or_else(|| ResolveError::new(&here, "values must be strings"))
                })
                .collect::<Result<_, _>>()?;
            Ok(Json::String(parts.join(delimiter)))
        }
        "Fn::Select" => {
            let args = list_argument(argument, scope, path, &here, 2)?;
            let index = scalar_text(&args[0])
                .and_then(|s| s.parse::<usize>().ok())
                .ok_or_else(|| ResolveError::new(&here, "the index must be a number"))?;
            args[1]
                .as_array()
                .and_then(|items| items.get(index).cloned())
                .ok_or_else(|| ResolveError::new(&here, format!("no item at index {index}")))
        }
        "Fn::Split" => {
            let args = list_argument(argument, scope, path, &here, 2)?;
            let (Some(delimiter), Some(text)) = (args[0].as_str(), args[1].as_str()) else {
                return Err(ResolveError::new(&here, "takes [delimiter, string]"));
            };
            Ok(Json::Array(
                text.split(delimiter)
                    .map(|s| Json::String(s.to_owned()))
                    .collect(),
            ))
        }
        "Fn::If" => {
            let Yaml::Sequence(items) = argument else {
                return Err(ResolveError::new(&here, "takes [condition, then, else]"));
            };
            let [name, then, otherwise] = items.as_slice() else {
                return Err(ResolveError::new(&here, "takes [condition, then, else]"));
            };
            let name = scalar_text(&resolve_inner(name, scope, path)?)
                .ok_or_else(|| ResolveError::new(&here, "the condition must be a name"))?;
            if condition(&name, scope, &here)? {
                resolve_inner(then, scope, &format!("{path}[1]"))
            } else {
                resolve_inner(otherwise, scope, &format!("{path}[2]"))
            }
        }
        "Fn::Contains" => {
            let args = list_argument(argument, scope, path, &here, 2)?;
            let needle = scalar_text(&args[1]);
            let found = args[0]
                .as_array()
                .ok_or_else(|| ResolveError::new(&here, "takes [[values], value]"))?
                .iter()
                .any(|item| scalar_text(item) == needle);
            Ok(Json::Bool(found))
        }
        "Fn::Equals" => {
            let args = list_argument(argument, scope, path, &here, 2)?;
            Ok(Json::Bool(scalar_text(&args[0]) == scalar_text(&args[1])))
        }
        "Fn::Not" => {
            let args = list_argument(argument, scope, path, &here, 1)?;
            truth(&args[0], &here).map(|b| Json::Bool(!b))
        }
        "Fn::And" | "Fn::Or" => {
            let Yaml::Sequence(items) = argument else {
                return Err(ResolveError::new(&here, "takes a list of conditions"));
            };
            let values: Vec<bool> = items
                .iter()
                .map(|item| truth(&resolve_inner(item, scope, path)?, &here))
                .collect::<Result<_, _>>()?;
            Ok(Json::Bool(if function == "Fn::And" {
                values.iter().all(|b| *b)
            } else {
                values.iter().any(|b| *b)
            }))
        }
        other => Err(ResolveError::new(
            path,
            format!("{other} is not supported by the local stack"),
        )),
    }
}

fn list_argument(
    argument: &Yaml,
    scope: &Scope,
    path: &str,
    here: &str,
    length: usize,
) -> Result<Vec<Json>, ResolveError> {
    match resolve_inner(argument, scope, path)? {
        Json::Array(items) if items.len() == length => Ok(items),
        _ => Err(ResolveError::new(here, format!("takes a list of {length}"))),
    }
}

fn truth(value: &Json, here: &str) -> Result<bool, ResolveError> {
    match value {
        Json::Bool(b) => Ok(*b),
        Json::String(s) if s == "true" => Ok(true),
        Json::String(s) if s == "false" => Ok(false),
        _ => Err(ResolveError::new(here, "expects a condition")),
    }
}

fn condition(name: &str, scope: &Scope, here: &str) -> Result<bool, ResolveError> {
    scope
        .conditions
        .get(name)
        .copied()
        .ok_or_else(|| ResolveError::new(here, format!("no condition named {name}")))
}

fn reference(name: &str, scope: &Scope, here: &str) -> Result<Json, ResolveError> {
    if name == "AWS::NoValue" {
        return Ok(Json::String(NO_VALUE.to_owned()));
    }
    if let Some(value) = scope.values.get(name) {
        return Ok(value.clone());
    }
    if let Some(resource) = scope.resources.get(name) {
        return Ok(Json::String(resource.reference.clone()));
    }
    Err(ResolveError::new(
        here,
        format!("{name} is neither a parameter, a pseudo parameter nor a resource"),
    ))
}

/// The text of a scalar (strings as they are, numbers and booleans printed).
pub(crate) fn scalar_text(value: &Json) -> Option<String> {
    match value {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `Fn::Sub`: `${Name}`, `${Resource.Attribute}` and `${!Literal}`.
fn substitute(
    text: &str,
    variables: &Map<String, Json>,
    scope: &Scope,
    here: &str,
) -> Result<String, ResolveError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| ResolveError::new(here, "an unclosed ${ in the string"))?;
        let name = &after[..end];
        if let Some(literal) = name.strip_prefix('!') {
            out.push_str("${");
            out.push_str(literal);
            out.push('}');
        } else if let Some(value) = variables.get(name) {
            out.push_str(
                &scalar_text(value).ok_or_else(|| {
                    ResolveError::new(here, format!("${{{name}}} is not a string"))
                })?,
            );
        } else if let Some((resource, attribute)) = name.split_once('.') {
            let value = scope
                .resources
                .get(resource)
                .and_then(|r| r.attributes.get(attribute))
                .ok_or_else(|| {
                    ResolveError::new(here, format!("${{{name}}}: no such resource attribute"))
                })?;
            out.push_str(value);
        } else {
            let value = reference(name.trim(), scope, here)?;
            let text = match &value {
                Json::Array(items) => items
                    .iter()
                    .filter_map(scalar_text)
                    .collect::<Vec<_>>()
                    .join(","),
                other => scalar_text(other).ok_or_else(|| {
                    ResolveError::new(here, format!("${{{name}}} is not a string"))
                })?,
            };
            out.push_str(&text);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        let mut scope = Scope::default();
        scope
            .values
            .insert("AWS::Region".into(), Json::String("us-east-1".into()));
        scope
            .values
            .insert("Stage".into(), Json::String("local".into()));
        scope.values.insert(
            "Origins".into(),
            serde_json::json!(["http://a.test", "http://b.test"]),
        );
        scope.resources.insert(
            "Fn".into(),
            ResourceNames {
                reference: "stack-Fn".into(),
                attributes: BTreeMap::from([(
                    "Arn".to_owned(),
                    "arn:aws:lambda:us-east-1:123456789012:function:stack-Fn".to_owned(),
                )]),
            },
        );
        scope.conditions.insert("IsLocal".into(), true);
        scope
    }

    fn eval(yaml: &str) -> Result<Json, ResolveError> {
        let value: Yaml = serde_yaml_ng::from_str(yaml).expect("yaml");
        resolve(&value, &scope(), "Test")
    }

    #[test]
    fn short_and_long_forms_resolve_alike() {
        assert_eq!(eval("!Ref Stage").expect("ref"), "local");
        assert_eq!(eval("Ref: Stage").expect("ref"), "local");
        assert_eq!(
            eval("!GetAtt Fn.Arn").expect("getatt"),
            eval("Fn::GetAtt: [Fn, Arn]").expect("long")
        );
        assert_eq!(eval("!Ref Fn").expect("resource"), "stack-Fn");
    }

    #[test]
    fn sub_replaces_names_attributes_and_keeps_literals() {
        assert_eq!(
            eval("!Sub 'x-${Stage}-${Fn.Arn}-${!Literal}-${AWS::Region}'").expect("sub"),
            "x-local-arn:aws:lambda:us-east-1:123456789012:function:stack-Fn-${Literal}-us-east-1"
        );
        assert_eq!(
            eval("!Sub ['${A}/${Stage}', {A: !Ref Fn}]").expect("sub list"),
            "stack-Fn/local"
        );
    }

    #[test]
    fn if_and_no_value_drop_entries() {
        let value = eval("{a: !If [IsLocal, yes, no], b: !If [IsLocal, !Ref 'AWS::NoValue', 1], c: [1, !Ref 'AWS::NoValue']}")
            .expect("if");
        assert_eq!(value, serde_json::json!({"a": "yes", "c": [1]}));
        assert_eq!(
            eval("!Not [!Equals [!Ref Stage, local]]").expect("not"),
            false
        );
    }

    #[test]
    fn unknown_names_and_functions_are_errors_naming_the_place() {
        let error = eval("{Env: {X: !Ref Missing}}").expect_err("unknown");
        assert!(error.path.starts_with("Test.Env.X"), "{error}");
        assert!(error.rule.contains("Missing"), "{error}");
        let error = eval("!ImportValue other-stack").expect_err("unsupported");
        assert!(error.rule.contains("Fn::ImportValue"), "{error}");
        let error = eval("!GetAtt Fn.Nope").expect_err("attribute");
        assert!(error.rule.contains("Fn.Nope"), "{error}");
    }
}
