//! Aggregate functions: their running state and final values, as SQLite
//! computes them.
//!
//! * `count(*)` counts rows, `count(x)` non-NULL values.
//! * `sum(x)` adds integers exactly while it can; the first non-integer
//!   value (or an integer overflow) switches it to floating point with
//!   Kahan-Babuska-Neumaier compensation, exactly as SQLite 3.43+ does.
//!   An integer overflow that stays integer to the end is an error
//!   (`integer overflow`); `sum` of no values is NULL.
//! * `total(x)` is the same sum as a REAL, 0.0 for no values; `avg(x)` is
//!   the sum divided by the count, NULL for no values.
//! * `min(x)` / `max(x)` ignore NULLs and compare in SQLite's cross-type
//!   order.
//! * `group_concat(x [, sep])` joins the non-NULL values as text, the
//!   separator (`,` by default) taken from the row of each value after the
//!   first.
//! * `DISTINCT` feeds each distinct non-NULL value once.

use crate::affinity;
use crate::bind::{AggCall, AggFunc};
use crate::error::{Error, Result};
use crate::format;
use crate::keycode::{self, Order};
use crate::value::Value;
use std::cmp::Ordering;
use std::collections::HashSet;

/// SQLite's `SumCtx`.
#[derive(Debug, Clone, Default)]
struct Sum {
    r_sum: f64,
    r_err: f64,
    i_sum: i64,
    cnt: i64,
    approx: bool,
    overflow: bool,
}

/// Integers this large lose precision as f64; SQLite splits them.
const BIG: i64 = 4_503_599_627_370_496;

impl Sum {
    fn kbn(&mut self, r: f64) {
        let s = self.r_sum;
        let t = s + r;
        if s.abs() > r.abs() {
            self.r_err += (s - t) + r;
        } else {
            self.r_err += (r - t) + s;
        }
        self.r_sum = t;
    }

    fn kbn_int(&mut self, i: i64) {
        if i <= -BIG || i >= BIG {
            let small = i % 16384;
            self.kbn((i - small) as f64);
            self.kbn(small as f64);
        } else {
            self.kbn(i as f64);
        }
    }

    fn init_from(&mut self, i: i64) {
        if i <= -BIG || i >= BIG {
            let small = i % 16384;
            self.r_sum = (i - small) as f64;
            self.r_err = small as f64;
        } else {
            self.r_sum = i as f64;
            self.r_err = 0.0;
        }
    }

    #[inline]
    fn step(&mut self, v: &Value) {
        // The common case: an integer added to an exact sum that has room.
        if let (Value::Integer(i), false) = (v, self.approx)
            && let Some(s) = self.i_sum.checked_add(*i)
        {
            self.cnt += 1;
            self.i_sum = s;
            return;
        }
        self.step_any(v);
    }

    fn step_any(&mut self, v: &Value) {
        // sqlite3_value_numeric_type: text that looks numeric counts as a number.
        let v = match v {
            Value::Text(t) => {
                affinity::apply_numeric_affinity(t.as_bytes(), false).unwrap_or_else(|| v.clone())
            }
            other => other.clone(),
        };
        if matches!(v, Value::Null) {
            return;
        }
        self.cnt += 1;
        let as_real = affinity::value_to_f64(&v);
        if !self.approx {
            if let Value::Integer(i) = v {
                match self.i_sum.checked_add(i) {
                    Some(s) => self.i_sum = s,
                    None => {
                        self.overflow = true;
                        self.init_from(self.i_sum);
                        self.approx = true;
                        self.kbn_int(i);
                    }
                }
            } else {
                self.init_from(self.i_sum);
                self.approx = true;
                self.kbn(as_real);
            }
        } else if let Value::Integer(i) = v {
            self.kbn_int(i);
        } else {
            self.overflow = false;
            self.kbn(as_real);
        }
    }

    fn real(&self) -> f64 {
        if self.approx {
            if self.r_err.is_finite() {
                self.r_sum + self.r_err
            } else {
                self.r_sum
            }
        } else {
            self.i_sum as f64
        }
    }
}

#[derive(Debug, Clone)]
enum State {
    Count(i64),
    Sum(Sum),
    MinMax(Option<Value>),
    Concat(Option<Vec<u8>>),
}

/// The running state of one aggregate call for one group.
#[derive(Debug, Clone)]
pub struct Accumulator {
    func: AggFunc,
    state: State,
    seen: Option<HashSet<Vec<u8>>>,
}

impl Accumulator {
    /// A fresh state for `call`.
    pub fn new(call: &AggCall) -> Accumulator {
        let state = match call.func {
            AggFunc::CountStar | AggFunc::Count => State::Count(0),
            AggFunc::Sum | AggFunc::Total | AggFunc::Avg => State::Sum(Sum::default()),
            AggFunc::Min | AggFunc::Max => State::MinMax(None),
            AggFunc::GroupConcat => State::Concat(None),
        };
        Accumulator {
            func: call.func,
            state,
            seen: call.distinct.then(HashSet::new),
        }
    }

    /// Feeds one row's argument values. Returns true if a min/max took
    /// this row as its new best (bare columns then come from this row).
    #[inline]
    pub fn step(&mut self, args: &[Value]) -> Result<bool> {
        // count(*), count(x) and sum(x) without DISTINCT: no set to ask,
        // no best row to report.
        if self.seen.is_none() {
            match (&mut self.state, args.first()) {
                (State::Count(n), None) if self.func == AggFunc::CountStar => *n += 1,
                (State::Count(n), Some(v)) if !matches!(v, Value::Null) => *n += 1,
                (State::Sum(s), Some(v)) => s.step(v),
                _ => return self.step_any(args),
            }
            return Ok(false);
        }
        self.step_any(args)
    }

    fn step_any(&mut self, args: &[Value]) -> Result<bool> {
        let first = args.first().unwrap_or(&Value::Null);
        if self.func != AggFunc::CountStar {
            if matches!(first, Value::Null) {
                return Ok(false);
            }
            if let Some(seen) = &mut self.seen
                && !seen.insert(keycode::encode(std::slice::from_ref(first), &[Order::Asc]))
            {
                return Ok(false);
            }
        }
        match &mut self.state {
            State::Count(n) => *n += 1,
            State::Sum(s) => s.step(first),
            State::MinMax(best) => {
                let better = match best {
                    None => true,
                    Some(b) => {
                        let ord = first.sort_cmp(b);
                        if self.func == AggFunc::Max {
                            ord == Ordering::Greater
                        } else {
                            ord == Ordering::Less
                        }
                    }
                };
                if better {
                    *best = Some(first.clone());
                }
                return Ok(better);
            }
            State::Concat(acc) => {
                let text = format::text_bytes(first).unwrap_or_default();
                match acc {
                    None => *acc = Some(text.into_owned()),
                    Some(buf) => {
                        let sep: Vec<u8> = match args.get(1) {
                            None => b",".to_vec(),
                            Some(s) => format::text_bytes(s)
                                .map(|c| c.into_owned())
                                .unwrap_or_default(),
                        };
                        buf.extend_from_slice(&sep);
                        buf.extend_from_slice(&text);
                    }
                }
            }
        }
        Ok(false)
    }

    /// The aggregate's value.
    pub fn finish(&self) -> Result<Value> {
        Ok(match (&self.state, self.func) {
            (State::Count(n), _) => Value::Integer(*n),
            (State::Sum(s), AggFunc::Sum) => {
                if s.cnt == 0 {
                    Value::Null
                } else if s.approx {
                    if s.overflow {
                        return Err(Error::Eval("integer overflow".into()));
                    }
                    Value::real(s.real())
                } else {
                    Value::Integer(s.i_sum)
                }
            }
            (State::Sum(s), AggFunc::Avg) => {
                if s.cnt == 0 {
                    Value::Null
                } else {
                    Value::real(s.real() / s.cnt as f64)
                }
            }
            (State::Sum(s), _) => Value::real(s.real()),
            (State::MinMax(v), _) => v.clone().unwrap_or(Value::Null),
            (State::Concat(None), _) => Value::Null,
            (State::Concat(Some(bytes)), _) => Value::Text(
                String::from_utf8(bytes.clone())
                    .map_err(|_| Error::Eval(crate::func::FuncError::NotUtf8.to_string()))?,
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::BExpr;

    fn run(func: AggFunc, values: &[Value]) -> Result<Value> {
        let call = AggCall {
            func,
            args: vec![BExpr::Literal(Value::Null)],
            distinct: false,
        };
        let mut a = Accumulator::new(&call);
        for v in values {
            a.step(std::slice::from_ref(v))?;
        }
        a.finish()
    }

    #[test]
    fn sums_follow_sqlite() {
        use Value::*;
        assert_eq!(run(AggFunc::Sum, &[]).ok(), Some(Null));
        assert_eq!(run(AggFunc::Total, &[]).ok(), Some(Real(0.0)));
        assert_eq!(
            run(AggFunc::Sum, &[Integer(1), Integer(2)]).ok(),
            Some(Integer(3))
        );
        assert_eq!(
            run(AggFunc::Sum, &[Integer(1), Real(0.5)]).ok(),
            Some(Real(1.5))
        );
        assert_eq!(
            run(AggFunc::Sum, &[Text("2".into()), Integer(1)]).ok(),
            Some(Integer(3))
        );
        assert!(run(AggFunc::Sum, &[Integer(i64::MAX), Integer(1)]).is_err());
        assert_eq!(
            run(AggFunc::Total, &[Integer(i64::MAX), Integer(1)]).ok(),
            Some(Real(9.223372036854776e18))
        );
        assert_eq!(
            run(AggFunc::Avg, &[Integer(1), Integer(2)]).ok(),
            Some(Real(1.5))
        );
    }
}
