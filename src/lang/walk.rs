//! Walking tree-sitter trees: a node's named children, and statement blocks
//! run one statement at a time under a nesting guard, so that deep input
//! costs a bounded stack whatever the grammar.

use tree_sitter::Node;

/// The named children of `node`, comments included.
pub(crate) fn children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// The text of `node` in `src` (empty when it is not UTF-8 or out of range).
pub(crate) fn text<'s>(src: &'s [u8], node: Node<'_>) -> &'s str {
    std::str::from_utf8(src.get(node.byte_range()).unwrap_or(&[])).unwrap_or("")
}

/// An interpreter that runs blocks of statements.
pub(crate) trait Blocks<'t> {
    /// Nesting deeper than this is not followed.
    const MAX_DEPTH: usize;
    /// The current nesting (statements and expressions).
    fn depth(&mut self) -> &mut usize;
    /// Runs one statement.
    fn stmt(&mut self, stmt: Node<'t>);

    /// Runs the statements of `block` in order, unless nested too deep.
    fn block(&mut self, block: Node<'t>) {
        if *self.depth() > Self::MAX_DEPTH {
            return;
        }
        *self.depth() += 1;
        for stmt in children(block) {
            self.stmt(stmt);
        }
        *self.depth() -= 1;
    }
}
