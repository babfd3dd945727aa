//! A YAML document as a tree of nodes that remember where they stand in the file.
//! Built from yaml-rust2's event stream so every value (not only syntax errors) has a position,
//! with alias expansion and nesting bounded so hostile files cannot exhaust memory or the stack.

use std::collections::HashMap;

use yaml_rust2::Yaml;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Where a node starts: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
}

/// One YAML value with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub kind: NodeKind,
    /// Where the value starts.
    pub pos: Pos,
}

/// The shape of a YAML value after core-schema resolution of plain scalars.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// `~`, `null` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// Any string, quoted or plain.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in file order; keys are scalars.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// A short name of the value's type for error messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Int(_) | NodeKind::Float(_) => "a number",
            NodeKind::Str(_) => "a string",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a map",
        }
    }

    /// The scalar as text, as it would be written (for keys and string-like fields).
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            NodeKind::Str(s) => Some(s.clone()),
            NodeKind::Int(i) => Some(i.to_string()),
            NodeKind::Float(f) => Some(f.to_string()),
            NodeKind::Bool(b) => Some(b.to_string()),
            NodeKind::Null => Some(String::new()),
            NodeKind::Seq(_) | NodeKind::Map(_) => None,
        }
    }

    /// The tree as plain JSON (keys as text); `None` for a non-scalar key.
    pub fn to_json(&self) -> Option<serde_json::Value> {
        use serde_json::Value;
        Some(match &self.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Bool(b) => Value::Bool(*b),
            NodeKind::Int(i) => Value::from(*i),
            NodeKind::Float(f) => Value::from(*f),
            NodeKind::Str(s) => Value::String(s.clone()),
            NodeKind::Seq(items) => {
                Value::Array(items.iter().map(Node::to_json).collect::<Option<_>>()?)
            }
            NodeKind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| Some((k.scalar_text()?, v.to_json()?)))
                    .collect::<Option<_>>()?,
            ),
        })
    }

    /// Count of nodes in this subtree, used to bound alias expansion.
    fn size(&self) -> usize {
        1 + match &self.kind {
            NodeKind::Seq(items) => items.iter().map(Node::size).sum(),
            NodeKind::Map(entries) => entries.iter().map(|(k, v)| k.size() + v.size()).sum(),
            _ => 0,
        }
    }
}

/// Why a YAML text could not become a tree.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    /// Where the problem was found.
    pub pos: Pos,
    /// What went wrong.
    pub message: String,
}

/// Expanded aliases may create at most this many nodes in one file ("billion laughs" guard).
/// Values written out count nothing here: the input size limit bounds them.
const MAX_ALIAS_NODES: usize = 1_000_000;
/// Deeper nesting than this is refused before it can overflow the stack.
const MAX_DEPTH: usize = 256;

/// Parses one YAML document. An empty file gives a `Null` node.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    let mut builder = TreeBuilder::default();
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut builder, true) {
        return Err(YamlError {
            pos: pos_of(e.marker()),
            message: e.info().to_string(),
        });
    }
    if let Some(err) = builder.error {
        return Err(err);
    }
    if builder.documents > 1 {
        return Err(YamlError {
            pos: builder.second_document,
            message: "only one YAML document per file is supported".into(),
        });
    }
    Ok(builder.root.unwrap_or(Node {
        kind: NodeKind::Null,
        pos: Pos { line: 1, col: 1 },
    }))
}

fn pos_of(mark: &Marker) -> Pos {
    Pos {
        line: u32::try_from(mark.line()).unwrap_or(u32::MAX),
        col: u32::try_from(mark.col())
            .unwrap_or(u32::MAX)
            .saturating_add(1),
    }
}

/// Open collections waiting for their children.
enum Open {
    Seq(Node, usize),
    Map(Node, usize, Option<Node>),
}

#[derive(Default)]
struct TreeBuilder {
    stack: Vec<Open>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    /// Nodes created by expanding aliases so far.
    alias_nodes: usize,
    documents: usize,
    second_document: Pos,
    error: Option<YamlError>,
}

impl TreeBuilder {
    fn fail(&mut self, pos: Pos, message: impl Into<String>) {
        if self.error.is_none() {
            self.error = Some(YamlError {
                pos,
                message: message.into(),
            });
        }
    }

    /// Counts the nodes an alias expands to; false (and an error) past the limit.
    fn count_alias(&mut self, n: usize, pos: Pos) -> bool {
        self.alias_nodes = self.alias_nodes.saturating_add(n);
        if self.alias_nodes > MAX_ALIAS_NODES {
            self.fail(
                pos,
                format!("aliases expand to more than {MAX_ALIAS_NODES} values (alias bomb?)"),
            );
            return false;
        }
        true
    }

    /// Attaches a finished node to its parent (or makes it the root).
    fn push(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Open::Seq(seq, _)) => {
                if let NodeKind::Seq(items) = &mut seq.kind {
                    items.push(node);
                }
            }
            Some(Open::Map(map, _, pending_key)) => match pending_key.take() {
                None => {
                    // A block mapping's start event is marked after its first key; a map
                    // starts where its first key does.
                    let empty = matches!(&map.kind, NodeKind::Map(e) if e.is_empty());
                    if empty && (node.pos.line, node.pos.col) < (map.pos.line, map.pos.col) {
                        map.pos = node.pos;
                    }
                    *pending_key = Some(node);
                }
                Some(key) => {
                    if let NodeKind::Map(entries) = &mut map.kind {
                        let duplicate = entries.iter().any(|(k, _)| k.kind == key.kind);
                        if duplicate {
                            let pos = key.pos;
                            let name = key.scalar_text().unwrap_or_default();
                            self.fail(pos, format!("duplicate key `{name}`"));
                            return;
                        }
                        entries.push((key, node));
                    }
                }
            },
        }
    }

    fn open(&mut self, open: Open, pos: Pos) {
        if self.stack.len() >= MAX_DEPTH {
            self.fail(pos, format!("nesting deeper than {MAX_DEPTH} levels"));
            return;
        }
        self.stack.push(open);
    }
}

impl MarkedEventReceiver for TreeBuilder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let pos = pos_of(&mark);
        match ev {
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents == 2 {
                    self.second_document = pos;
                }
            }
            Event::Scalar(text, style, anchor, _tag) => {
                let kind = if style == TScalarStyle::Plain {
                    resolve_plain(&text)
                } else {
                    NodeKind::Str(text)
                };
                self.push(Node { kind, pos }, anchor);
            }
            Event::SequenceStart(anchor, _) => {
                let node = Node {
                    kind: NodeKind::Seq(Vec::new()),
                    pos,
                };
                self.open(Open::Seq(node, anchor), pos);
            }
            Event::MappingStart(anchor, _) => {
                let node = Node {
                    kind: NodeKind::Map(Vec::new()),
                    pos,
                };
                self.open(Open::Map(node, anchor, None), pos);
            }
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Open::Seq(node, anchor) | Open::Map(node, anchor, _)) => {
                    self.push(node, anchor);
                }
                None => self.fail(pos, "unbalanced YAML structure"),
            },
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some(mut node) => {
                    if !self.count_alias(node.size(), pos) {
                        return;
                    }
                    node.pos = pos;
                    self.push(node, 0);
                }
                None => self.fail(pos, "alias to an unknown anchor"),
            },
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
        }
    }
}

/// Core-schema resolution of a plain scalar (`true`, `12`, `~`, …).
fn resolve_plain(text: &str) -> NodeKind {
    match Yaml::from_str(text) {
        Yaml::Null => NodeKind::Null,
        Yaml::Boolean(b) => NodeKind::Bool(b),
        Yaml::Integer(i) => NodeKind::Int(i),
        Yaml::Real(r) => match r.parse::<f64>() {
            Ok(f) => NodeKind::Float(f),
            Err(_) => NodeKind::Str(text.to_string()),
        },
        _ => NodeKind::Str(text.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(node: &Node) -> &Vec<(Node, Node)> {
        match &node.kind {
            NodeKind::Map(m) => m,
            other => panic!("not a map: {other:?}"),
        }
    }

    #[test]
    fn positions_are_one_based() {
        let root = parse("name: x\nrequests:\n  - url: y\n").unwrap();
        let entries = map(&root);
        assert_eq!(entries[0].0.pos, Pos { line: 1, col: 1 });
        assert_eq!(entries[1].0.pos, Pos { line: 2, col: 1 });
        let NodeKind::Seq(items) = &entries[1].1.kind else {
            panic!()
        };
        assert_eq!(map(&items[0])[0].0.pos, Pos { line: 3, col: 5 });
    }

    #[test]
    fn plain_scalars_are_typed_and_quoted_stay_strings() {
        let root = parse("a: 5\nb: '5'\nc: true\nd: ~\ne: 1.5\n").unwrap();
        let kinds: Vec<_> = map(&root).iter().map(|(_, v)| v.kind.clone()).collect();
        assert_eq!(
            kinds,
            vec![
                NodeKind::Int(5),
                NodeKind::Str("5".into()),
                NodeKind::Bool(true),
                NodeKind::Null,
                NodeKind::Float(1.5)
            ]
        );
    }

    #[test]
    fn syntax_error_has_position() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.pos.line >= 1, "{err:?}");
        assert!(!err.message.is_empty());
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let err = parse("a: 1\na: 2\n").unwrap_err();
        assert_eq!(err.pos, Pos { line: 2, col: 1 });
        assert!(err.message.contains("duplicate key `a`"));
    }

    #[test]
    fn alias_bomb_is_bounded() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("alias bomb"), "{err:?}");
    }

    #[test]
    fn many_plain_values_are_not_an_alias_bomb() {
        let text = "- x\n".repeat(1_200_000);
        let NodeKind::Seq(items) = parse(&text).unwrap().kind else {
            panic!("not a list")
        };
        assert_eq!(items.len(), 1_200_000);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "[".repeat(10_000);
        assert!(parse(&text).is_err());
    }
}
