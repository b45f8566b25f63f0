//! Translation of promql-parser's AST into the evaluator's own small tree,
//! refusing everything outside the documented subset.
//!
//! Keeping a separate tree means the evaluator only has to handle what is
//! supported (no "unreachable" arms) and a parser upgrade cannot silently
//! widen what opsdeck claims to evaluate.

use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::token::{self, TokenId};
use promql_parser::parser::{
    AggregateExpr, BinaryExpr, Call, Expr, LabelModifier, Offset, VectorMatchCardinality,
    VectorSelector,
};

use super::Unsupported;

/// Names listed in refusal messages, so the user sees what to use instead.
pub(crate) const SUPPORTED_FUNCTIONS: &str = "rate, increase, avg_over_time, max_over_time, \
     min_over_time, histogram_quantile, abs, clamp_min, clamp_max, vector, scalar, time";
pub(crate) const SUPPORTED_AGGREGATIONS: &str = "sum, avg, min, max, count";

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Number(f64),
    Selector(Selector),
    RangeCall {
        func: RangeFn,
        sel: Selector,
        range_ms: i64,
    },
    Call {
        func: Func,
        args: Vec<Node>,
    },
    Neg(Box<Node>),
    Binary(Box<Binary>),
    Aggregate {
        op: AggOp,
        grouping: Grouping,
        expr: Box<Node>,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Selector {
    pub matchers: Vec<Matcher>,
    /// Positive = look into the past, as Prometheus's `offset 5m`.
    pub offset_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RangeFn {
    Rate,
    Increase,
    AvgOverTime,
    MaxOverTime,
    MinOverTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    Abs,
    ClampMin,
    ClampMax,
    Vector,
    Scalar,
    Time,
    HistogramQuantile,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AggOp {
    Sum,
    Avg,
    Min,
    Max,
    Count,
}

/// Aggregation grouping; no clause is `By(vec![])` (one group).
#[derive(Debug, Clone)]
pub(crate) enum Grouping {
    By(Vec<String>),
    Without(Vec<String>),
}

/// Vector matching; no clause is `Ignoring(vec![])` (all labels but `__name__`).
#[derive(Debug, Clone)]
pub(crate) enum Matching {
    On(Vec<String>),
    Ignoring(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    And,
    Or,
    Unless,
}

impl BinOp {
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            Self::Eq | Self::Ne | Self::Gt | Self::Lt | Self::Ge | Self::Le
        )
    }
    pub fn is_set(self) -> bool {
        matches!(self, Self::And | Self::Or | Self::Unless)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Binary {
    pub op: BinOp,
    pub lhs: Node,
    pub rhs: Node,
    pub return_bool: bool,
    pub matching: Matching,
}

/// Parses `src` and converts it, refusing what is outside the subset.
pub(crate) fn check(src: &str) -> Result<Node, Unsupported> {
    let expr = promql_parser::parser::parse(src).map_err(|e| Unsupported {
        message: format!("invalid PromQL: {e}"),
        column: 1,
    })?;
    let node = Checker { src }.expr(&expr)?;
    Ok(node)
}

struct Checker<'a> {
    src: &'a str,
}

impl Checker<'_> {
    fn refuse(&self, message: String, needle: &str) -> Unsupported {
        Unsupported {
            message,
            column: find_column(self.src, needle),
        }
    }

    fn expr(&self, e: &Expr) -> Result<Node, Unsupported> {
        match e {
            Expr::NumberLiteral(n) => Ok(Node::Number(n.val)),
            Expr::Paren(p) => self.expr(&p.expr),
            Expr::Unary(u) => Ok(Node::Neg(Box::new(self.expr(&u.expr)?))),
            Expr::VectorSelector(vs) => Ok(Node::Selector(self.selector(vs)?)),
            Expr::Binary(b) => self.binary(b),
            Expr::Aggregate(a) => self.aggregate(a),
            Expr::Call(c) => self.call(c),
            Expr::StringLiteral(s) => Err(Unsupported {
                message: "string literals are not supported by opsdeck's local evaluator \
                          (no supported function takes a string)"
                    .into(),
                column: find_string_literal(self.src, &s.val),
            }),
            Expr::MatrixSelector(m) => Err(self.refuse(
                format!(
                    "range selectors are only supported as the argument of {}",
                    range_fn_names()
                ),
                m.vs.name.as_deref().unwrap_or("["),
            )),
            Expr::Subquery(_) => Err(Unsupported {
                message: "subqueries are not supported by opsdeck's local evaluator".into(),
                column: find_subquery(self.src),
            }),
            Expr::Extension(x) => Err(self.refuse(
                format!("extension expression `{}` is not supported", x.expr.name()),
                x.expr.name(),
            )),
        }
    }

    fn selector(&self, vs: &VectorSelector) -> Result<Selector, Unsupported> {
        if vs.at.is_some() {
            return Err(self.refuse(
                "the `@` modifier is not supported by opsdeck's local evaluator".into(),
                "@",
            ));
        }
        if !vs.matchers.or_matchers.is_empty() {
            return Err(self.refuse(
                "`or` between label matchers is not supported by opsdeck's local evaluator".into(),
                "or",
            ));
        }
        let mut matchers = vs.matchers.matchers.clone();
        if let Some(name) = &vs.name {
            // The parser may or may not repeat the name as a matcher; a
            // duplicate equality matcher is harmless.
            matchers.push(Matcher::new(MatchOp::Equal, "__name__", name));
        }
        let offset_ms = match &vs.offset {
            None => 0,
            Some(Offset::Pos(d)) => duration_ms(d),
            Some(Offset::Neg(d)) => duration_ms(d).saturating_neg(),
        };
        Ok(Selector {
            matchers,
            offset_ms,
        })
    }

    fn binary(&self, b: &BinaryExpr) -> Result<Node, Unsupported> {
        let op = bin_op(b.op.id()).ok_or_else(|| {
            let name = b.op.to_string();
            self.refuse(
                format!(
                    "operator `{name}` is not supported by opsdeck's local evaluator; \
                     supported: + - * / % ^ == != > < >= <= and or unless"
                ),
                &name,
            )
        })?;
        let mut matching = Matching::Ignoring(Vec::new());
        let mut return_bool = false;
        if let Some(m) = &b.modifier {
            return_bool = m.return_bool;
            match &m.card {
                VectorMatchCardinality::ManyToOne(_) => {
                    return Err(self.refuse(
                        "`group_left` is not supported by opsdeck's local evaluator \
                         (only one-to-one matching)"
                            .into(),
                        "group_left",
                    ));
                }
                VectorMatchCardinality::OneToMany(_) => {
                    return Err(self.refuse(
                        "`group_right` is not supported by opsdeck's local evaluator \
                         (only one-to-one matching)"
                            .into(),
                        "group_right",
                    ));
                }
                VectorMatchCardinality::OneToOne | VectorMatchCardinality::ManyToMany => {}
            }
            if m.fill_values.lhs.is_some() || m.fill_values.rhs.is_some() {
                return Err(self.refuse(
                    "`fill` modifiers are not supported by opsdeck's local evaluator".into(),
                    "fill",
                ));
            }
            match &m.matching {
                Some(LabelModifier::Include(ls)) => matching = Matching::On(ls.labels.clone()),
                Some(LabelModifier::Exclude(ls)) => {
                    matching = Matching::Ignoring(ls.labels.clone());
                }
                None => {}
            }
        }
        Ok(Node::Binary(Box::new(Binary {
            op,
            lhs: self.expr(&b.lhs)?,
            rhs: self.expr(&b.rhs)?,
            return_bool,
            matching,
        })))
    }

    fn aggregate(&self, a: &AggregateExpr) -> Result<Node, Unsupported> {
        let op = match a.op.id() {
            token::T_SUM => AggOp::Sum,
            token::T_AVG => AggOp::Avg,
            token::T_MIN => AggOp::Min,
            token::T_MAX => AggOp::Max,
            token::T_COUNT => AggOp::Count,
            _ => {
                let name = a.op.to_string();
                return Err(self.refuse(
                    format!(
                        "aggregation `{name}` is not supported by opsdeck's local evaluator; \
                         supported: {SUPPORTED_AGGREGATIONS}"
                    ),
                    &name,
                ));
            }
        };
        let grouping = match &a.modifier {
            None => Grouping::By(Vec::new()),
            Some(LabelModifier::Include(ls)) => Grouping::By(ls.labels.clone()),
            Some(LabelModifier::Exclude(ls)) => Grouping::Without(ls.labels.clone()),
        };
        Ok(Node::Aggregate {
            op,
            grouping,
            expr: Box::new(self.expr(&a.expr)?),
        })
    }

    fn call(&self, c: &Call) -> Result<Node, Unsupported> {
        let name = c.func.name;
        if let Some(func) = range_fn(name) {
            return match c.args.args.first().map(|b| b.as_ref()) {
                Some(Expr::MatrixSelector(m)) if c.args.args.len() == 1 => {
                    Ok(Node::RangeCall {
                        func,
                        sel: self.selector(&m.vs)?,
                        range_ms: duration_ms(&m.range),
                    })
                }
                Some(Expr::Subquery(_)) => Err(Unsupported {
                    message: "subqueries are not supported by opsdeck's local evaluator".into(),
                    column: find_subquery(self.src),
                }),
                _ => Err(self.refuse(
                    format!("`{name}` needs exactly one range selector argument, e.g. `{name}(metric[5m])`"),
                    name,
                )),
            };
        }
        let func = match name {
            "abs" => Func::Abs,
            "clamp_min" => Func::ClampMin,
            "clamp_max" => Func::ClampMax,
            "vector" => Func::Vector,
            "scalar" => Func::Scalar,
            "time" => Func::Time,
            "histogram_quantile" => Func::HistogramQuantile,
            _ => {
                return Err(self.refuse(
                    format!(
                        "function `{name}` is not supported by opsdeck's local evaluator; \
                         supported: {SUPPORTED_FUNCTIONS}"
                    ),
                    name,
                ));
            }
        };
        let args = c
            .args
            .args
            .iter()
            .map(|a| self.expr(a))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Node::Call { func, args })
    }
}

fn range_fn(name: &str) -> Option<RangeFn> {
    Some(match name {
        "rate" => RangeFn::Rate,
        "increase" => RangeFn::Increase,
        "avg_over_time" => RangeFn::AvgOverTime,
        "max_over_time" => RangeFn::MaxOverTime,
        "min_over_time" => RangeFn::MinOverTime,
        _ => return None,
    })
}

fn range_fn_names() -> &'static str {
    "rate, increase, avg_over_time, max_over_time, min_over_time"
}

fn bin_op(id: TokenId) -> Option<BinOp> {
    Some(match id {
        token::T_ADD => BinOp::Add,
        token::T_SUB => BinOp::Sub,
        token::T_MUL => BinOp::Mul,
        token::T_DIV => BinOp::Div,
        token::T_MOD => BinOp::Mod,
        token::T_POW => BinOp::Pow,
        token::T_EQLC => BinOp::Eq,
        token::T_NEQ => BinOp::Ne,
        token::T_GTR => BinOp::Gt,
        token::T_LSS => BinOp::Lt,
        token::T_GTE => BinOp::Ge,
        token::T_LTE => BinOp::Le,
        token::T_LAND => BinOp::And,
        token::T_LOR => BinOp::Or,
        token::T_LUNLESS => BinOp::Unless,
        _ => return None,
    })
}

fn duration_ms(d: &std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// 1-based character column of byte offset `byte` in `src`.
fn column_at(src: &str, byte: usize) -> usize {
    src.get(..byte).map_or(0, |s| s.chars().count()) + 1
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == ':'
}

/// Column of the first occurrence of `needle` that is not part of a longer
/// identifier (so `max` does not hit `max_over_time`); 1 if not found.
pub(crate) fn find_column(src: &str, needle: &str) -> usize {
    if needle.is_empty() {
        return 1;
    }
    let wordy = needle.chars().all(is_ident);
    for (i, _) in src.match_indices(needle) {
        if wordy {
            let before = src[..i].chars().next_back();
            let after = src[i + needle.len()..].chars().next();
            if before.is_some_and(is_ident) || after.is_some_and(is_ident) {
                continue;
            }
        }
        return column_at(src, i);
    }
    1
}

fn find_string_literal(src: &str, val: &str) -> usize {
    for q in ['"', '\'', '`'] {
        let quoted = format!("{q}{val}{q}");
        if let Some(i) = src.find(&quoted) {
            return column_at(src, i);
        }
    }
    src.find(['"', '\'', '`']).map_or(1, |i| column_at(src, i))
}

/// A subquery is the first `[` whose bracket contains a `:` (`[5m:1m]`).
fn find_subquery(src: &str) -> usize {
    let mut open = None;
    for (i, c) in src.char_indices() {
        match c {
            '[' => open = Some(i),
            ']' => open = None,
            ':' => {
                if let Some(o) = open {
                    return column_at(src, o);
                }
            }
            _ => {}
        }
    }
    find_column(src, "[")
}
