//! Data object lists (PDOL, CDOL1, CDOL2): tag + length pairs, and the
//! concatenated values a terminal sends for them.

/// (tag as upper-case hex, length) pairs of a DOL.
pub fn parse(dol: &[u8]) -> Option<Vec<(String, usize)>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < dol.len() {
        let mut end = i + 1;
        if dol[i] & 0x1F == 0x1F {
            // Multi-byte tag: continue while bit 8 is set.
            while *dol.get(end)? & 0x80 != 0 {
                end += 1;
            }
            end += 1;
        }
        let tag = hex::encode_upper(dol.get(i..end)?);
        let len = usize::from(*dol.get(end)?);
        out.push((tag, len));
        i = end + 1;
    }
    Some(out)
}

/// Splits DOL-related data into its values; None when the length does not add up.
pub fn split(dol: &[(String, usize)], data: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut pos = 0;
    for (tag, len) in dol {
        out.push((tag.clone(), data.get(pos..pos + len)?.to_vec()));
        pos += len;
    }
    (pos == data.len()).then_some(out)
}

/// Builds DOL-related data from available values, zero-filling unknown tags.
pub fn build(dol: &[(String, usize)], value: impl Fn(&str) -> Option<Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    for (tag, len) in dol {
        let mut v = value(tag).unwrap_or_default();
        v.resize(*len, 0);
        out.extend(v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_and_two_byte_tags() {
        let dol = parse(&hex::decode("9F66049F02069C01").unwrap()).unwrap();
        assert_eq!(dol, vec![("9F66".into(), 4), ("9F02".into(), 6), ("9C".into(), 1)]);
        let data = hex::decode("2600000000000001000000").unwrap();
        let values = split(&dol, &data).unwrap();
        assert_eq!(values[1].1, hex::decode("000000010000").unwrap());
        assert!(split(&dol, &data[1..]).is_none());
        assert_eq!(
            build(&dol, |t| (t == "9C").then(|| vec![9])),
            hex::decode("0000000000000000000009").unwrap()
        );
    }
}
