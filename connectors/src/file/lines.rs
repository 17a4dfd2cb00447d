//! Splitting a byte stream into lines by the rules of Kafka's `FileStreamSourceTask`.
//!
//! A line ends at `\n`, at `\r\n`, or at a lone `\r`; a `\r` that is the last byte read so far
//! ends nothing until the next byte shows whether a `\n` follows. Bytes are kept until the line
//! they belong to is taken, so a partial trailing line waits for its terminator, and nothing is
//! consumed by merely reading: the task can be cancelled between reads without losing a line.
//! Splitting on bytes is safe for UTF-8 because `\n` and `\r` never occur inside a multi-byte
//! character.

use std::collections::VecDeque;

/// Bytes read but not yet returned as lines, with the boundaries of the complete lines in them.
#[derive(Debug, Default)]
pub(crate) struct LineBuffer {
    data: Vec<u8>,
    /// `data[..scanned]` has been searched for terminators.
    scanned: usize,
    /// Complete lines not yet taken, as (end of the line's text, start of the next line), both
    /// indexes into `data`. A line starts where the previous one's next line starts (or at 0).
    lines: VecDeque<(usize, usize)>,
}

impl LineBuffer {
    /// The buffer to read into; call [`LineBuffer::scan`] after appending to it.
    pub(crate) fn spare(&mut self, at_least: usize) -> &mut Vec<u8> {
        self.data.reserve(at_least);
        &mut self.data
    }

    /// Finds the line terminators in the bytes appended since the last scan.
    pub(crate) fn scan(&mut self) {
        let data = &self.data;
        let mut i = self.scanned;
        while let Some(found) = data[i..].iter().position(|&b| b == b'\n' || b == b'\r') {
            let at = i + found;
            let next = if data[at] == b'\n' {
                at + 1
            } else if at + 1 >= data.len() {
                // A trailing `\r`: the next byte decides whether the terminator is `\r\n`.
                self.scanned = at;
                return;
            } else if data[at + 1] == b'\n' {
                at + 2
            } else {
                at + 1
            };
            self.lines.push_back((at, next));
            i = next;
        }
        self.scanned = data.len();
    }

    /// How many complete lines are waiting.
    pub(crate) fn complete_lines(&self) -> usize {
        self.lines.len()
    }

    /// How many bytes are buffered, complete lines and partial one together.
    pub(crate) fn buffered(&self) -> usize {
        self.data.len()
    }

    /// Takes up to `max` complete lines, oldest first, handing each line's text (without its
    /// terminator) and the number of bytes it occupied (with its terminator) to `each`.
    pub(crate) fn take_lines(&mut self, max: usize, mut each: impl FnMut(&[u8], usize)) {
        let mut start = 0;
        for _ in 0..max {
            let Some((end, next)) = self.lines.pop_front() else {
                break;
            };
            each(&self.data[start..end], next - start);
            start = next;
        }
        if start > 0 {
            self.data.drain(..start);
            self.scanned -= start;
            for (end, next) in &mut self.lines {
                *end -= start;
                *next -= start;
            }
        }
    }

    /// Forgets everything buffered (the file is being reopened).
    pub(crate) fn clear(&mut self) {
        self.data.clear();
        self.scanned = 0;
        self.lines.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(buf: &mut LineBuffer, bytes: &[u8]) {
        buf.spare(bytes.len()).extend_from_slice(bytes);
        buf.scan();
    }

    fn take_all(buf: &mut LineBuffer) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        buf.take_lines(usize::MAX, |line, used| {
            out.push((String::from_utf8_lossy(line).into_owned(), used))
        });
        out
    }

    fn owned(lines: &[(&str, usize)]) -> Vec<(String, usize)> {
        lines.iter().map(|(l, n)| (l.to_string(), *n)).collect()
    }

    #[test]
    fn splits_on_lf_crlf_and_lone_cr_like_kafka() {
        let mut buf = LineBuffer::default();
        push(&mut buf, b"a\nbb\r\nc\rd\n\n");
        assert_eq!(
            take_all(&mut buf),
            owned(&[("a", 2), ("bb", 4), ("c", 2), ("d", 2), ("", 1)])
        );
        assert_eq!(buf.buffered(), 0);
    }

    #[test]
    fn trailing_cr_waits_for_the_next_byte() {
        let mut buf = LineBuffer::default();
        push(&mut buf, b"x\r");
        assert_eq!(buf.complete_lines(), 0);
        push(&mut buf, b"\ny\r");
        assert_eq!(take_all(&mut buf), owned(&[("x", 3)]));
        push(&mut buf, b"z");
        assert_eq!(take_all(&mut buf), owned(&[("y", 2)]));
        assert_eq!(buf.buffered(), 1, "the partial line z stays buffered");
    }

    #[test]
    fn partial_line_is_kept_across_reads_and_takes() {
        let mut buf = LineBuffer::default();
        push(&mut buf, b"one\ntw");
        buf.take_lines(1, |_, _| {});
        push(&mut buf, b"o\nthr");
        push(&mut buf, b"ee\n");
        assert_eq!(take_all(&mut buf), owned(&[("two", 4), ("three", 6)]));
    }

    #[test]
    fn take_respects_max_and_keeps_the_rest() {
        let mut buf = LineBuffer::default();
        push(&mut buf, b"1\n2\n3\n");
        let mut got = Vec::new();
        buf.take_lines(2, |l, _| got.push(l.to_vec()));
        assert_eq!(got, [b"1".to_vec(), b"2".to_vec()]);
        assert_eq!(buf.complete_lines(), 1);
        assert_eq!(take_all(&mut buf), owned(&[("3", 2)]));
    }
}
