//! A candidate's source against its parent's, line by line (`similar`'s Myers diff), as the
//! table the candidate page shows: removed lines with the parent's numbers, added lines with
//! the child's, unchanged runs longer than a few lines folded.

use std::fmt::Write as _;

use similar::{ChangeTag, TextDiff};

use super::esc;

/// Unchanged lines kept on each side of a change; longer runs are folded into one row.
const CONTEXT: usize = 3;

/// `(removed, added)` line counts and the HTML table (`table[data-diff]`, rows
/// `tr[data-diff-line="-"|"+"|" "]`).
pub fn diff_table(parent: &str, child: &str) -> (usize, usize, String) {
    let diff = TextDiff::from_lines(parent, child);
    let (mut removed, mut added) = (0, 0);
    let mut t = String::from("<table class=\"src diff\" data-diff>");
    for (i, group) in diff.grouped_ops(CONTEXT).iter().enumerate() {
        if i > 0 {
            t.push_str("<tr class=\"fold\"><td></td><td></td><td>⋯</td></tr>");
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let (sign, class, n) = match change.tag() {
                    ChangeTag::Delete => {
                        removed += 1;
                        ("-", "del", change.old_index())
                    }
                    ChangeTag::Insert => {
                        added += 1;
                        ("+", "add", change.new_index())
                    }
                    ChangeTag::Equal => (" ", "same", change.new_index()),
                };
                let line = change.value().trim_end_matches(['\n', '\r']);
                let _ = write!(
                    t,
                    "<tr class=\"{class}\" data-diff-line=\"{sign}\"><td class=\"ln\">{}</td><td>{sign}</td><td>{}</td></tr>",
                    n.map_or(String::new(), |n| (n + 1).to_string()),
                    esc(line)
                );
            }
        }
    }
    t.push_str("</table>");
    (removed, added, t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_lines_are_marked_and_long_unchanged_runs_folded() {
        let parent: String = (1..=20).map(|i| format!("line {i}\n")).collect();
        let child = parent
            .replace("line 5\n", "line five\n")
            .replace("line 18\n", "")
            .replace("line 20\n", "line 20\n<b>new</b>\n");
        let (removed, added, html) = diff_table(&parent, &child);
        assert_eq!((removed, added), (2, 2));
        assert!(html.contains("data-diff-line=\"-\"><td class=\"ln\">5</td><td>-</td><td>line 5</td>"), "{html}");
        assert!(html.contains("data-diff-line=\"+\"><td class=\"ln\">5</td><td>+</td><td>line five</td>"), "{html}");
        assert!(html.contains("&lt;b&gt;new&lt;/b&gt;") && !html.contains("<b>new"), "escaped");
        assert!(html.contains("class=\"fold\""), "lines 9–14 are folded: {html}");
        assert!(!html.contains("<td>line 11</td>"), "{html}");
        assert_eq!(diff_table("same\n", "same\n").0 + diff_table("same\n", "same\n").1, 0);
    }
}
