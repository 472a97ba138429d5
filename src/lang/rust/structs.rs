//! Values of the project's structs and their fields: a struct literal gives
//! a value of its type and teaches the type what its fields hold (joined
//! over every construction: `fn new`, `Default`, `self.x = …` in builder
//! methods, and the crate's other files when the type's own module makes
//! none), with the literal a constructor gives as the default of a field
//! that is configurable elsewhere. Values made in another module are placed
//! at the expression of the linted file that brought them.

use std::rc::Rc;

use syn::Expr;

use super::modules::State;
use super::value::{Elem, Inst, Literal, Opaque, Rs, TypeRef, Val};
use super::{Cx, FieldVal};
use crate::model::Span;

/// Modules being learned inside each other.
const MAX_LEARNING: usize = 4;
/// Files of the crate whose constructions of a struct are read.
const MAX_CONSTRUCTING_FILES: usize = 8;

/// A value of struct `ty` nothing more is known of, called `name`.
pub(super) fn instance(ty: TypeRef, name: &str) -> Val {
    Val::Ext(Rs::Struct(Box::new(Inst {
        ty,
        name: name.to_string(),
        fields: Vec::new(),
    })))
}

/// A literal whose every byte is placed at `at` (text of another file).
pub(super) fn placed(lit: &Literal, at: Span) -> Literal {
    let n = lit.offsets.len();
    Literal {
        bytes: lit.bytes.clone(),
        offsets: (0..n)
            .map(|i| if i + 1 == n { at.end } else { at.start })
            .collect(),
    }
}

/// Whether a literal was placed at one spot (another file's text).
pub(super) fn is_placed(lit: &Literal) -> bool {
    let n = lit.bytes.len().min(lit.offsets.len());
    n > 1 && lit.offsets[..n].windows(2).all(|w| w[0] == w[1])
}

/// Whether a field keeps a value of this kind (others are opaque).
fn keeps(v: &Val) -> bool {
    matches!(
        v,
        Val::Str(..)
            | Val::Int(_)
            | Val::Opaque(_)
            | Val::Client(_)
            | Val::Ext(Rs::Struct(_) | Rs::Script(_))
    )
}

fn kept(v: Val, name: &str) -> Val {
    if keeps(&v) {
        v
    } else {
        Val::opaque(format!("self.{name}"))
    }
}

/// The value of field `name` given two values by different code: equal ones
/// stay; a literal beside a value set from elsewhere is that value's default
/// (`Self { ns: "rsmq".into() }` and `self.ns = ns`); anything else is opaque.
fn merge_field(old: &Val, new: &Val, name: &str) -> Val {
    if old == new {
        return kept(old.clone(), name);
    }
    let shown = format!("self.{name}");
    match (old, new) {
        // A default one side knows stays unless the other contradicts it.
        (Val::Opaque(a), Val::Opaque(b)) => Val::Opaque(Opaque {
            name: shown,
            default: match (&a.default, &b.default) {
                (Some(x), Some(y)) if x != y => None,
                (x, y) => x.clone().or_else(|| y.clone()),
            },
            int_default: match (a.int_default, b.int_default) {
                (Some(x), Some(y)) if x != y => None,
                (x, y) => x.or(y),
            },
            domain: a.domain.filter(|_| a.domain == b.domain),
            numeric: a.numeric && b.numeric,
            period: a.period.filter(|_| a.period == b.period),
        }),
        (Val::Opaque(o), other) | (other, Val::Opaque(o)) => match other {
            Val::Str(p, _) => match p.as_literal() {
                Some(l) if !o.numeric && o.default.as_deref().is_none_or(|d| d == l) => {
                    Val::Opaque(Opaque {
                        name: shown,
                        default: Some(l.to_vec()),
                        ..o.clone()
                    })
                }
                _ => Val::opaque(shown),
            },
            Val::Int(n) if o.int_default.is_none_or(|d| d == *n) => Val::Opaque(Opaque {
                name: shown,
                int_default: Some(*n),
                numeric: true,
                ..o.clone()
            }),
            _ => Val::opaque(shown),
        },
        _ => Val::opaque(shown),
    }
}

impl<'a> Cx<'a> {
    /// Runs the linted file's functions once without recording: what its
    /// struct literals and `self.x = …` assignments give the fields.
    pub(super) fn learn_file(&mut self) {
        if self.mods.first().is_none_or(|m| m.learned != State::Fresh) {
            return;
        }
        self.mods[0].learned = State::Running;
        let defs = self.defs(0);
        self.learn_with(&defs);
        self.mods[0].learned = State::Ready;
    }

    /// Runs `defs` without recording, whatever code is running now.
    fn learn_with(&mut self, defs: &[super::FnDef<'a>]) {
        if self.learning >= MAX_LEARNING {
            return;
        }
        self.learning += 1;
        let saved_recording = std::mem::replace(&mut self.m.recording, false);
        let saved_site = self.site.take();
        let saved_pipes = std::mem::take(&mut self.m.pipes);
        let saved_queued = std::mem::take(&mut self.queued);
        let saved_cmds = std::mem::take(&mut self.cmds);
        let saved_env = std::mem::take(&mut self.env);
        let saved_returns = std::mem::take(&mut self.returns);
        let saved_depth = std::mem::replace(&mut self.depth, 0);
        let saved_calls = std::mem::replace(&mut self.call_depth, 0);
        for def in defs {
            self.run_fn(def);
        }
        self.m.recording = saved_recording;
        self.site = saved_site;
        self.m.pipes = saved_pipes;
        self.queued = saved_queued;
        self.cmds = saved_cmds;
        self.env = saved_env;
        self.returns = saved_returns;
        self.depth = saved_depth;
        self.call_depth = saved_calls;
        self.learning -= 1;
    }

    /// The functions of module `k` that may give `ty`'s fields a value: a
    /// literal `Ty { … }` (or `Self { … }` in its `impl`) or, in its
    /// methods, `self.x = …`.
    fn constructors(&mut self, k: usize, ty: &TypeRef) -> Vec<super::FnDef<'a>> {
        let defs = self.defs(k);
        let saved = std::mem::replace(&mut self.cur, k);
        let mut out = Vec::new();
        for d in defs {
            let range = Span::new(
                self.raw(d.block.brace_token.span.open()).start,
                self.raw(d.block.brace_token.span.close()).end,
            );
            let body = self
                .src()
                .as_bytes()
                .get(range.start..range.end)
                .unwrap_or(&[]);
            let own = d.owner.is_some() && self.owner_type(&d).as_ref() == Some(ty);
            if literal_of(body, ty.name.as_bytes())
                || (own && (literal_of(body, b"Self") || has(body, b"self.")))
            {
                out.push(d);
            }
        }
        self.cur = saved;
        out
    }

    /// Learns what the fields of `ty` hold: from the constructions in its own
    /// module (all of the linted file's functions run anyway) and, when none
    /// gives a value, from the crate's files that construct it (not for code
    /// that only runs to learn other fields).
    fn ensure_fields(&mut self, ty: &TypeRef) {
        if ty.module != 0 && self.constructed.insert(ty.clone()) {
            let defs = self.constructors(ty.module, ty);
            self.learn_with(&defs);
        }
        if self.learning > 1
            || !self.searched.insert(ty.clone())
            || self.fields.get(ty).is_some_and(|f| !f.is_empty())
        {
            return;
        }
        let mut found = 0;
        for path in self.crate_files(ty.module) {
            if found >= MAX_CONSTRUCTING_FILES {
                break;
            }
            if self.loaded.get(&path) == Some(&Some(ty.module))
                || !self.mentions_literal(&path, &ty.name)
            {
                continue;
            }
            if let Some(k) = self.load(&path).filter(|&k| k != 0) {
                found += 1;
                let defs = self.constructors(k, ty);
                self.learn_with(&defs);
            }
        }
    }

    /// `base.name` where `base` is a value of a struct of the project.
    pub(super) fn struct_field(&mut self, e: &Expr, inst: &Inst, name: &str) -> Val {
        if let Some((_, v)) = inst.fields.iter().find(|(n, _)| n == name) {
            return v.clone();
        }
        self.ensure_fields(&inst.ty);
        let shown = format!("{}.{name}", inst.name);
        let known = self.fields.get(&inst.ty).and_then(|f| f.get(name)).cloned();
        match known {
            // Nothing known of the value but what its type says.
            Some(FieldVal {
                val: Val::Opaque(o),
                ..
            }) if o.default.is_none() && o.int_default.is_none() => {
                if let v @ (Val::Client(_) | Val::Ext(Rs::Struct(_))) =
                    self.field_by_type(inst, name, &shown)
                {
                    return v;
                }
                Val::Opaque(Opaque { name: shown, ..o })
            }
            Some(fv) => {
                let v = match fv.val {
                    Val::Opaque(o) => Val::Opaque(Opaque { name: shown, ..o }),
                    v => v,
                };
                if fv.module == 0 {
                    v
                } else {
                    let at = self.span_of(e);
                    self.relocate(v, at)
                }
            }
            None => self.field_by_type(inst, name, &shown),
        }
    }

    /// Field `name` of `inst` as its declared type makes it: a connection, a
    /// number, a value of another struct of the project, or opaque.
    fn field_by_type(&mut self, inst: &Inst, name: &str, shown: &str) -> Val {
        let ty = self.items(inst.ty.module).and_then(|i| {
            let s = i.structs.get(&inst.ty.name)?;
            s.fields
                .iter()
                .find(|f| f.ident.as_ref().is_some_and(|id| *id == name))
                .map(|f| &f.ty)
        });
        let Some(ty) = ty else {
            return Val::opaque(shown);
        };
        let saved = std::mem::replace(&mut self.cur, inst.ty.module);
        let saved_impl = self.impl_ty.replace(inst.ty.clone());
        let text = self.type_text(ty);
        let v = if let Some(kind) = super::client_of_type(&text, self.fred) {
            Val::Client(self.client(kind))
        } else if let Some(n) = super::is_numeric_type(&text) {
            Val::numeric(shown, n.domain)
        } else if let Some(t) = self.struct_type(ty).filter(|t| *t != inst.ty) {
            instance(t, shown)
        } else {
            Val::opaque(shown)
        };
        self.impl_ty = saved_impl;
        self.cur = saved;
        v
    }

    /// Records a value code gives field `name` of struct `ty` (and, in the
    /// linted file, of whatever struct has a field of that name).
    pub(super) fn set_field(&mut self, ty: Option<&TypeRef>, name: &str, v: &Val) {
        if self.cur == 0 {
            let merged = match self.loose_fields.get(name) {
                Some(old) => merge_field(old, v, name),
                None => kept(v.clone(), name),
            };
            self.loose_fields.insert(name.to_string(), merged);
        }
        let Some(ty) = ty else {
            return;
        };
        let module = self.cur;
        let table = self.fields.entry(ty.clone()).or_default();
        let merged = match table.get(name) {
            Some(old) if old.val == *v => old.clone(),
            Some(old) => FieldVal {
                val: merge_field(&old.val, v, name),
                module,
            },
            None => FieldVal {
                val: kept(v.clone(), name),
                module,
            },
        };
        table.insert(name.to_string(), merged);
    }

    /// `T { a: …, ..rest }`: a value of `T` (when a struct of the project),
    /// and what it teaches `T`'s fields.
    pub(super) fn struct_literal(&mut self, s: &syn::ExprStruct) -> Val {
        let ty = self.struct_of_path(&super::modules::segments(&s.path));
        let mut fields = Vec::new();
        for f in &s.fields {
            let v = self.eval(&f.expr);
            if let syn::Member::Named(id) = &f.member {
                let name = id.to_string();
                self.set_field(ty.as_ref(), &name, &v);
                fields.push((name, v));
            }
        }
        if let Some(rest) = &s.rest {
            self.eval(rest);
        }
        match ty {
            Some(ty) => Val::Ext(Rs::Struct(Box::new(Inst {
                name: ty.name.clone(),
                ty,
                fields,
            }))),
            None => Val::Unknown,
        }
    }

    /// `x.f = v` where `x` is a value of a struct: the type learns it, and a
    /// local value (`self`, `cfg`) holds it from now on.
    pub(super) fn assign_field(&mut self, base: &Expr, name: &str, v: Val) {
        let Val::Ext(Rs::Struct(mut inst)) = self.eval(base) else {
            return;
        };
        self.set_field(Some(&inst.ty), name, &v);
        if let Expr::Path(p) = base {
            if let Some(id) = p.path.get_ident() {
                inst.fields.retain(|(n, _)| n != name);
                inst.fields.push((name.to_string(), v));
                self.env.insert(id.to_string(), Val::Ext(Rs::Struct(inst)));
            }
        }
    }

    /// A value another module made, placed at `at` in the linted file:
    /// literal bytes, list elements and scripts alike.
    pub(super) fn relocate(&mut self, v: Val, at: Span) -> Val {
        match v {
            Val::Str(p, Some(lit)) => Val::Str(p, Some(Box::new(placed(&lit, at)))),
            Val::List(items) => Val::List(
                items
                    .into_iter()
                    .map(|el| Elem {
                        val: self.relocate(el.val, at),
                        span: at,
                        text: el.text,
                    })
                    .collect(),
            ),
            Val::Family(inner, vars) => Val::Family(Box::new(self.relocate(*inner, at)), vars),
            Val::Ext(Rs::Struct(mut inst)) => {
                let fields = std::mem::take(&mut inst.fields);
                inst.fields = fields
                    .into_iter()
                    .map(|(n, v)| (n, self.relocate(v, at)))
                    .collect();
                Val::Ext(Rs::Struct(inst))
            }
            Val::Ext(Rs::Script(i)) => {
                let Some(mut sb) = self.scripts.get(i).cloned() else {
                    return Val::Ext(Rs::Script(i));
                };
                sb.lit = sb.lit.map(|l| Rc::new(placed(&l, at)));
                sb.span = at;
                let keys = std::mem::take(&mut sb.keys);
                sb.keys = keys
                    .into_iter()
                    .map(|el| Elem {
                        val: self.relocate(el.val, at),
                        span: at,
                        text: el.text,
                    })
                    .collect();
                self.scripts.push(sb);
                Val::Ext(Rs::Script(self.scripts.len() - 1))
            }
            v => v,
        }
    }
}

/// Whether `body` has `name` followed by `{` (a struct literal).
fn literal_of(body: &[u8], name: &[u8]) -> bool {
    memchr::memmem::find_iter(body, name).any(|at| {
        let before = at.checked_sub(1).map(|i| body[i]);
        let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        let after = body[at + name.len()..]
            .iter()
            .find(|b| !b.is_ascii_whitespace());
        before.is_none_or(|b| !word(b)) && after == Some(&b'{')
    })
}

fn has(body: &[u8], what: &[u8]) -> bool {
    memchr::memmem::find(body, what).is_some()
}
