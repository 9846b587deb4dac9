//! The order Go's YAML encoder sorts map keys in (yaml.v3 `keyList.Less`).
//!
//! Not byte order: digit runs compare by value (`a2` before `a10`), and at the
//! first difference a letter sorts after a non-letter, unless the equal run before
//! ended in a digit. What a letter and a digit are is Go's `unicode.IsLetter`
//! (general category L*) and `unicode.IsDigit` (category Nd), from the Unicode
//! version of Go's tables ([`super::go_unicode`]): wider predicates such as Rust's
//! `char::is_alphabetic` put `Ⅰ` (U+2160, Nl) or `²` (U+00B2, No) elsewhere.

use std::cmp::Ordering;

use super::go_unicode;

/// Compares two keys as yaml.v3 does when it sorts a map. Keys are Go strings:
/// any bytes, read as runes the way Go's `[]rune(s)` does.
pub(crate) fn compare(a: &[u8], b: &[u8]) -> Ordering {
    let (ar, br) = (go_runes(a), go_runes(b));
    if less(&ar, &br) {
        Ordering::Less
    } else if less(&br, &ar) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// Go's `[]rune(s)`: each byte of an invalid sequence becomes one U+FFFD.
fn go_runes(s: &[u8]) -> Vec<char> {
    let mut out = Vec::with_capacity(s.len());
    for chunk in s.utf8_chunks() {
        out.extend(chunk.valid().chars());
        out.extend(std::iter::repeat_n(
            char::REPLACEMENT_CHARACTER,
            chunk.invalid().len(),
        ));
    }
    out
}

fn less(ar: &[char], br: &[char]) -> bool {
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

/// Go's `unicode.IsDigit`: general category Nd.
fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    in_table(go_unicode::DIGIT, c)
}

/// Go's `unicode.IsLetter`: general category L (Lu, Ll, Lt, Lm, Lo).
fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    in_table(go_unicode::LETTER, c)
}

fn in_table(table: &[(u32, u32)], c: char) -> bool {
    let c = c as u32;
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                Ordering::Less
            } else if lo > c {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        })
        .is_ok()
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
        shuffled.sort_by(|a, b| compare(a.as_bytes(), b.as_bytes()));
        assert_eq!(shuffled, sorted);
    }

    fn cmp(a: &str, b: &str) -> Ordering {
        compare(a.as_bytes(), b.as_bytes())
    }

    #[test]
    fn letters_and_digits_are_gos_categories_not_rusts_wider_ones() {
        // go-encoder/minimal/key-order-U+2160.yaml: `Ⅰ` (Nl) is not a letter,
        // so it sorts before the letter `A`.
        assert_eq!(cmp("Ⅰ", "A"), Ordering::Less);
        // go-encoder/minimal/key-order-form-U+00B2.yaml: `²` (No) is not a digit:
        // after the equal `a`, a non-digit non-letter `²` against the digit `0`
        // compares as two numbers, 0 (no digits) against 0, then by run length.
        assert_eq!(cmp("a²", "a0"), Ordering::Less);
        // `Ⓐ` (So) is neither; `é` and `月` are letters; `٣` (Arabic-Indic, Nd) is a digit.
        assert_eq!(cmp("Ⓐ", "A"), Ordering::Less);
        assert_eq!(cmp("é", "_"), Ordering::Greater);
        assert_eq!(cmp("x٣", "xa"), Ordering::Less);
        assert!(is_letter('月') && is_letter('ª') && !is_letter('Ⅰ') && !is_letter('Ⓐ'));
        assert!(is_digit('٣') && !is_digit('²') && !is_digit('Ⅰ'));
    }

    #[test]
    fn invalid_utf8_compares_as_one_replacement_character_per_byte() {
        assert_eq!(go_runes(b"a\xe2\x82b"), ['a', '\u{fffd}', '\u{fffd}', 'b']);
        assert_eq!(compare(b"\xff", b"a"), Ordering::Less);
    }

    #[test]
    fn a_proper_prefix_sorts_first() {
        assert_eq!(cmp("Accept", "Accept-Encoding"), Ordering::Less);
        assert_eq!(cmp("", "a"), Ordering::Less);
    }

    #[test]
    fn leading_zeros_after_other_digits_count_as_digits() {
        // `a10` vs `a1x`: the run `1` ties, then `0` (a digit after a digit) vs `x`.
        assert_eq!(cmp("a1x", "a10"), Ordering::Less);
        assert_eq!(cmp("v01", "v1"), Ordering::Greater);
        assert_eq!(cmp("x100", "x0100"), Ordering::Less);
    }
}
