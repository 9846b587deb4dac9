//! The order Go's YAML encoder sorts map keys in (yaml.v3 `keyList.Less`).
//!
//! Not byte order: digit runs compare by value (`a2` before `a10`), and at the
//! first difference a letter sorts after a non-letter, unless the equal run before
//! ended in a digit.

use std::cmp::Ordering;

/// Compares two keys as yaml.v3 does when it sorts a map.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    if less(a, b) {
        Ordering::Less
    } else if less(b, a) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

fn less(a: &str, b: &str) -> bool {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let mut digits = false;
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            digits = is_digit(ar[i]);
            i += 1;
            continue;
        }
        let al = is_letter(ar[i]);
        let bl = is_letter(br[i]);
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return if digits { al } else { bl };
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && is_digit(ar[j - 1]) {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && is_digit(ar[ai]) {
            an = an
                .wrapping_mul(10)
                .wrapping_add(i64::from(ar[ai] as u32) - i64::from('0' as u32));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && is_digit(br[bi]) {
            bn = bn
                .wrapping_mul(10)
                .wrapping_add(i64::from(br[bi] as u32) - i64::from('0' as u32));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}

/// Go's `unicode.IsDigit` for the characters header names use. Non-ASCII decimal
/// digits are not distinguished from other numerics here.
fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())
}

/// Go's `unicode.IsLetter`, approximated by Unicode's Alphabetic property.
fn is_letter(c: char) -> bool {
    c.is_alphabetic()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_the_format_documents_example() {
        let sorted = [
            "_x",
            "A1",
            "Ab",
            "B",
            "Cf-Ray",
            "Content-Type",
            "X-Request-Id",
            "X1",
            "Zz",
            "a1",
            "a2b",
            "a9",
            "a10",
            "aB",
            "ab",
            "x-1",
            "x_1",
            "x9z",
            "x10",
        ];
        let mut shuffled = sorted.to_vec();
        shuffled.reverse();
        shuffled.swap(3, 11);
        shuffled.sort_by(|a, b| compare(a, b));
        assert_eq!(shuffled, sorted);
    }

    #[test]
    fn a_proper_prefix_sorts_first() {
        assert_eq!(compare("Accept", "Accept-Encoding"), Ordering::Less);
        assert_eq!(compare("", "a"), Ordering::Less);
    }

    #[test]
    fn leading_zeros_after_other_digits_count_as_digits() {
        // `a10` vs `a1x`: the run `1` ties, then `0` (a digit after a digit) vs `x`.
        assert_eq!(compare("a1x", "a10"), Ordering::Less);
        assert_eq!(compare("v01", "v1"), Ordering::Greater);
        assert_eq!(compare("x100", "x0100"), Ordering::Less);
    }
}
