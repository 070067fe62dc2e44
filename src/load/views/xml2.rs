//! libxml2 documents and XPath, the way lxml uses them.
//!
//! Odoo applies views with lxml, which is libxml2 underneath: its XPath is libxml2's XPath 1.0,
//! its `getpath()` is `xmlGetNodePath`. This module gives the checks the few operations they
//! need on libxml2 trees, in lxml's terms: an element's *children* are its element, comment and
//! processing-instruction children (not text); `text` is the text before the first child and
//! `tail` the text after an element, up to its next sibling; moving an element moves its tail
//! with it, removing it removes the tail too, and a deep copy copies the tail.
//!
//! Documents are parsed from text that already passed [`xmlread`](crate::load::xmlread)'s
//! limits (depth, entity expansion, node count), without network access, with line numbers
//! beyond 65535. Errors never reach stderr: a structured error handler that keeps nothing is set
//! on every thread before libxml2 is used.
//!
//! [`Node`] is a handle into a document: it is valid while its [`Doc`] lives and the node was
//! not freed. The checks keep every node inside the lifetime of the document they hold.

use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_void};
use std::ptr;
use std::sync::Once;

use libxml::bindings as x;

use crate::load::xmlread;

static INIT: Once = Once::new();

thread_local! {
    static QUIET: () = {
        // SAFETY: sets this thread's structured error handler to one that ignores errors, and
        // points its generic (printf-style) handler, libxml2's default one, at /dev/null.
        unsafe {
            x::xmlSetStructuredErrorFunc(ptr::null_mut(), Some(ignore_error));
            let sink = dev_null();
            if !sink.is_null() {
                x::xmlSetGenericErrorFunc(sink, None);
            }
        }
    };
}

unsafe extern "C" fn ignore_error(_user: *mut c_void, _err: x::xmlErrorPtr) {}

/// `strdup` over mimalloc, for [`x::xmlMemSetup`].
unsafe extern "C" fn mi_strdup(s: *const c_char) -> *mut c_char {
    if s.is_null() {
        return ptr::null_mut();
    }
    let len = libc::strlen(s) + 1;
    let p = libmimalloc_sys::mi_malloc(len) as *mut c_char;
    if !p.is_null() {
        ptr::copy_nonoverlapping(s, p, len);
    }
    p
}

/// A `FILE *` on /dev/null for libxml2's default generic error handler, opened once.
fn dev_null() -> *mut c_void {
    static SINK: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *SINK.get_or_init(|| unsafe { libc::fopen(c"/dev/null".as_ptr(), c"w".as_ptr()) as usize })
        as *mut c_void
}

fn init() {
    INIT.call_once(|| unsafe {
        // libxml2 allocates a node per element, attribute and text: give it the allocator the
        // rest of the binary uses (mimalloc) instead of the system's, before its first use.
        x::xmlMemSetup(
            Some(libmimalloc_sys::mi_free),
            Some(libmimalloc_sys::mi_malloc),
            Some(libmimalloc_sys::mi_realloc),
            Some(mi_strdup),
        );
        x::xmlInitParser()
    });
    QUIET.with(|_| {});
}

/// A libxml2 document, freed on drop.
pub struct Doc {
    ptr: x::xmlDocPtr,
}

// SAFETY: a document is only used by the thread that holds it; libxml2 is thread-safe for
// distinct documents once initialised.
unsafe impl Send for Doc {}

impl Drop for Doc {
    fn drop(&mut self) {
        if !self.ptr.is_null() {
            unsafe { x::xmlFreeDoc(self.ptr) };
        }
    }
}

/// Why a text is not a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    /// 1-based line of the error, when libxml2 gives one.
    pub line: Option<usize>,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{} (line {l})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl Doc {
    /// Parses `text`, whose first character is at line `first_line` of its file: node line
    /// numbers are lines of that file.
    pub fn parse(text: &str, first_line: usize) -> Result<Doc, ParseError> {
        init();
        if let Err(e) = xmlread::check_limits(text) {
            return Err(ParseError {
                message: e.to_string(),
                line: None,
            });
        }
        // Leading newlines before the root element are allowed by XML and shift the lines.
        let pad = first_line.saturating_sub(1);
        let mut buf = String::with_capacity(pad + text.len());
        let body = text.trim_start_matches('\u{feff}');
        let decl = body.starts_with("<?xml");
        if !decl {
            buf.extend(std::iter::repeat_n('\n', pad));
        }
        buf.push_str(body);
        let Ok(len) = c_int::try_from(buf.len()) else {
            return Err(ParseError {
                message: "document too large".into(),
                line: None,
            });
        };
        let opts = (x::xmlParserOption_XML_PARSE_NONET
            | x::xmlParserOption_XML_PARSE_NOERROR
            | x::xmlParserOption_XML_PARSE_NOWARNING
            | x::xmlParserOption_XML_PARSE_NOENT
            | x::xmlParserOption_XML_PARSE_BIG_LINES
            | x::xmlParserOption_XML_PARSE_NOCDATA) as c_int;
        unsafe { x::xmlResetLastError() };
        let ptr = unsafe {
            x::xmlReadMemory(
                buf.as_ptr() as *const c_char,
                len,
                ptr::null(),
                c"UTF-8".as_ptr(),
                opts,
            )
        };
        if ptr.is_null() {
            return Err(last_error().unwrap_or(ParseError {
                message: "not well-formed XML".into(),
                line: None,
            }));
        }
        let doc = Doc { ptr };
        if doc.root().is_none() {
            return Err(ParseError {
                message: "no root element".into(),
                line: None,
            });
        }
        Ok(doc)
    }

    /// A document whose root is a deep copy of `node` (with no tail).
    pub fn from_copy(node: Node) -> Doc {
        init();
        let ptr = unsafe { x::xmlNewDoc(c"1.0".as_ptr() as *const u8) };
        let doc = Doc { ptr };
        let copy = unsafe { x::xmlDocCopyNode(node.0, ptr, 1) };
        if !copy.is_null() {
            unsafe { x::xmlDocSetRootElement(ptr, copy) };
            Node::copy_marks(node, Node(copy));
        }
        doc
    }

    /// The root element.
    pub fn root(&self) -> Option<Node> {
        let r = unsafe { x::xmlDocGetRootElement(self.ptr) };
        (!r.is_null()).then_some(Node(r))
    }

    /// A deep copy of `node` (from any document) owned by this document, unlinked and without
    /// its tail.
    pub fn copy(&self, node: Node) -> Node {
        let c = Node(unsafe { x::xmlDocCopyNode(node.0, self.ptr, 1) });
        Node::copy_marks(node, c);
        c
    }

    /// Replaces the root element by `node` (a node of this document, unlinked); the old root
    /// is freed.
    pub fn replace_root(&mut self, node: Node) {
        let old = unsafe { x::xmlDocSetRootElement(self.ptr, node.0) };
        if !old.is_null() {
            unsafe { x::xmlFreeNode(old) };
        }
    }

    /// A new unlinked element of this document.
    pub fn new_element(&self, name: &str) -> Node {
        let name = cstring(name);
        Node(unsafe {
            x::xmlNewDocNode(
                self.ptr,
                ptr::null_mut(),
                name.as_ptr() as *const u8,
                ptr::null(),
            )
        })
    }

    /// Evaluates an XPath 1.0 expression with `context` as context node, with Odoo's
    /// `hasclass()` registered when `hasclass` is true.
    pub fn xpath(
        &self,
        expr: &str,
        context: Node,
        hasclass: bool,
    ) -> Result<XPathValue, XPathError> {
        self.xpath_ns(expr, context, hasclass, &[])
    }

    /// [`Doc::xpath`] with namespace prefixes bound (`(prefix, uri)`).
    pub fn xpath_ns(
        &self,
        expr: &str,
        context: Node,
        hasclass: bool,
        namespaces: &[(String, String)],
    ) -> Result<XPathValue, XPathError> {
        init();
        let cexpr =
            CString::new(expr).map_err(|_| XPathError::Syntax("NUL in expression".into()))?;
        unsafe {
            let ctx = x::xmlXPathNewContext(self.ptr);
            if ctx.is_null() {
                return Err(XPathError::Evaluation("no XPath context".into()));
            }
            (*ctx).node = context.0;
            (*ctx).error = Some(ignore_error);
            for (prefix, uri) in namespaces {
                let (p, u) = (cstring(prefix), cstring(uri));
                x::xmlXPathRegisterNs(ctx, p.as_ptr() as *const u8, u.as_ptr() as *const u8);
            }
            if hasclass {
                x::xmlXPathRegisterFunc(ctx, c"hasclass".as_ptr() as *const u8, Some(hasclass_fn));
            }
            x::xmlResetLastError();
            let comp = x::xmlXPathCtxtCompile(ctx, cexpr.as_ptr() as *const u8);
            if comp.is_null() {
                let msg = last_error_message().unwrap_or_else(|| "invalid expression".into());
                x::xmlXPathFreeContext(ctx);
                return Err(XPathError::Syntax(msg));
            }
            x::xmlResetLastError();
            let obj = x::xmlXPathCompiledEval(comp, ctx);
            x::xmlXPathFreeCompExpr(comp);
            let out = if obj.is_null() {
                Err(XPathError::Evaluation(
                    last_error_message().unwrap_or_else(|| "evaluation failed".into()),
                ))
            } else {
                let v = match (*obj).type_ {
                    x::xmlXPathObjectType_XPATH_NODESET => {
                        let set = (*obj).nodesetval;
                        let mut nodes = Vec::new();
                        if !set.is_null() {
                            for i in 0..(*set).nodeNr.max(0) as usize {
                                nodes.push(Node(*(*set).nodeTab.add(i)));
                            }
                        }
                        XPathValue::Nodes(nodes)
                    }
                    x::xmlXPathObjectType_XPATH_BOOLEAN if (*obj).boolval == 0 => {
                        XPathValue::Falsy("boolean")
                    }
                    x::xmlXPathObjectType_XPATH_BOOLEAN => XPathValue::Other("boolean"),
                    x::xmlXPathObjectType_XPATH_NUMBER if (*obj).floatval == 0.0 => {
                        XPathValue::Falsy("number")
                    }
                    x::xmlXPathObjectType_XPATH_NUMBER => XPathValue::Other("number"),
                    x::xmlXPathObjectType_XPATH_STRING
                        if (*obj).stringval.is_null() || *(*obj).stringval == 0 =>
                    {
                        XPathValue::Falsy("string")
                    }
                    x::xmlXPathObjectType_XPATH_STRING => XPathValue::Other("string"),
                    _ => XPathValue::Other("value"),
                };
                x::xmlXPathFreeObject(obj);
                Ok(v)
            };
            x::xmlXPathFreeContext(ctx);
            out
        }
    }
}

/// What an XPath expression evaluated to.
#[derive(Debug)]
pub enum XPathValue {
    /// A node-set, in document order.
    Nodes(Vec<Node>),
    /// A boolean, number or string (named) that Python takes for true.
    Other(&'static str),
    /// False, zero or the empty string: what Odoo takes for "nothing found" (NaN is true in
    /// Python).
    Falsy(&'static str),
}

/// Why an expression gave no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XPathError {
    /// The expression does not compile (lxml: `XPathSyntaxError`).
    Syntax(String),
    /// It compiled but its evaluation failed (an unknown function, a type error…).
    Evaluation(String),
}

impl std::fmt::Display for XPathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            XPathError::Syntax(m) => write!(f, "invalid expression: {m}"),
            XPathError::Evaluation(m) => write!(f, "expression failed: {m}"),
        }
    }
}

/// Odoo's `hasclass(*classes)`: true when the context node's `class` attribute, split on
/// whitespace, holds every argument.
unsafe extern "C" fn hasclass_fn(ctxt: x::xmlXPathParserContextPtr, nargs: c_int) {
    // Odoo's arguments are Python values put in a set of class strings: a string is a class,
    // a number or boolean is never one, a node-set raises (TypeError: unhashable).
    let mut wanted = Vec::with_capacity(nargs.max(0) as usize);
    let mut never = false;
    for _ in 0..nargs.max(0) {
        let obj = x::valuePop(ctxt);
        if obj.is_null() {
            x::xmlXPathErr(ctxt, x::xmlXPathError_XPATH_STACK_ERROR as c_int);
            return;
        }
        match (*obj).type_ {
            x::xmlXPathObjectType_XPATH_STRING => {
                wanted.push(borrowed_str((*obj).stringval));
            }
            x::xmlXPathObjectType_XPATH_NODESET | x::xmlXPathObjectType_XPATH_XSLT_TREE => {
                x::xmlXPathFreeObject(obj);
                x::xmlXPathErr(ctxt, x::xmlXPathError_XPATH_INVALID_TYPE as c_int);
                return;
            }
            _ => never = true,
        }
        x::xmlXPathFreeObject(obj);
    }
    let node = if (*ctxt).context.is_null() {
        ptr::null_mut()
    } else {
        (*(*ctxt).context).node
    };
    let classes = if node.is_null() {
        String::new()
    } else {
        Node(node).get("class").unwrap_or_default()
    };
    let have: std::collections::HashSet<&str> = classes.split_whitespace().collect();
    let ok = !never && wanted.iter().all(|w| have.contains(w.as_str()));
    x::valuePush(ctxt, x::xmlXPathNewBoolean(ok as c_int));
}

/// Unlinks and frees text nodes of a run.
fn free_all(nodes: Vec<x::xmlNodePtr>) {
    for n in nodes {
        unsafe {
            x::xmlUnlinkNode(n);
            x::xmlFreeNode(n);
        }
    }
}

fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', "")).unwrap_or_default()
}

unsafe fn take_xml_string(p: *mut u8) -> Option<String> {
    if p.is_null() {
        return None;
    }
    let s = CStr::from_ptr(p as *const c_char)
        .to_string_lossy()
        .into_owned();
    if let Some(free) = x::xmlFree {
        free(p as *mut c_void);
    }
    Some(s)
}

unsafe fn borrowed_str(p: *const u8) -> String {
    if p.is_null() {
        return String::new();
    }
    CStr::from_ptr(p as *const c_char)
        .to_string_lossy()
        .into_owned()
}

fn last_error() -> Option<ParseError> {
    unsafe {
        let e = x::xmlGetLastError();
        if e.is_null() || (*e).message.is_null() {
            return None;
        }
        let message = borrowed_str((*e).message as *const u8).trim().to_string();
        let line = ((*e).line > 0).then_some((*e).line as usize);
        Some(ParseError { message, line })
    }
}

fn last_error_message() -> Option<String> {
    last_error().map(|e| e.message)
}

/// A node of a [`Doc`] (see the module documentation for its validity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Node(x::xmlNodePtr);

// SAFETY: as for `Doc`; nodes move between threads only with their document.
unsafe impl Send for Node {}

fn is_text_type(t: x::xmlElementType) -> bool {
    t == x::xmlElementType_XML_TEXT_NODE || t == x::xmlElementType_XML_CDATA_SECTION_NODE
}

/// lxml's children: elements, comments, processing instructions, entity references.
fn is_child_type(t: x::xmlElementType) -> bool {
    t == x::xmlElementType_XML_ELEMENT_NODE
        || t == x::xmlElementType_XML_COMMENT_NODE
        || t == x::xmlElementType_XML_PI_NODE
        || t == x::xmlElementType_XML_ENTITY_REF_NODE
}

impl Node {
    fn raw(self) -> &'static x::xmlNode {
        // SAFETY: see the module documentation.
        unsafe { &*self.0 }
    }

    fn wrap(p: x::xmlNodePtr) -> Option<Node> {
        (!p.is_null()).then_some(Node(p))
    }

    pub fn is_element(self) -> bool {
        self.raw().type_ == x::xmlElementType_XML_ELEMENT_NODE
    }

    pub fn is_comment(self) -> bool {
        self.raw().type_ == x::xmlElementType_XML_COMMENT_NODE
    }

    /// True for an lxml child (element, comment, processing instruction).
    pub fn is_child(self) -> bool {
        is_child_type(self.raw().type_)
    }

    /// The tag name (`prefix:name` for a prefixed element); empty for non-elements.
    pub fn tag(self) -> String {
        if !self.is_element() {
            return String::new();
        }
        let n = self.raw();
        let local = unsafe { borrowed_str(n.name) };
        if !n.ns.is_null() {
            let prefix = unsafe { (*n.ns).prefix };
            if !prefix.is_null() {
                return format!("{}:{local}", unsafe { borrowed_str(prefix) });
            }
        }
        local
    }

    pub fn set_tag(self, name: &str) {
        let c = cstring(name);
        unsafe { x::xmlNodeSetName(self.0, c.as_ptr() as *const u8) };
    }

    /// 1-based line of the node in the file it was parsed from.
    pub fn line(self) -> usize {
        let l = unsafe { x::xmlGetLineNo(self.0) };
        l.max(0) as usize
    }

    /// lxml's `getroottree().getpath(node)`.
    pub fn path(self) -> String {
        unsafe { take_xml_string(x::xmlGetNodePath(self.0)).unwrap_or_default() }
    }

    /// The attributes, in document order, as (name, value); a namespaced attribute is named
    /// `prefix:name`.
    pub fn attributes(self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if !self.is_element() {
            return out;
        }
        let mut a = self.raw().properties;
        while !a.is_null() {
            let attr = unsafe { &*a };
            let mut name = unsafe { borrowed_str(attr.name) };
            if !attr.ns.is_null() {
                let prefix = unsafe { (*attr.ns).prefix };
                if !prefix.is_null() {
                    name = format!("{}:{name}", unsafe { borrowed_str(prefix) });
                }
            }
            let value = unsafe {
                take_xml_string(x::xmlNodeListGetString(self.raw().doc, attr.children, 1))
            }
            .unwrap_or_default();
            out.push((name, value));
            a = attr.next;
        }
        out
    }

    /// The value of attribute `name` (`prefix:name` for a namespaced one).
    pub fn get(self, name: &str) -> Option<String> {
        if !self.is_element() {
            return None;
        }
        if name.contains(':') {
            return self
                .attributes()
                .into_iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v);
        }
        let c = cstring(name);
        unsafe { take_xml_string(x::xmlGetNoNsProp(self.0, c.as_ptr() as *const u8)) }
    }

    pub fn set(self, name: &str, value: &str) {
        let n = cstring(name);
        let v = cstring(value);
        unsafe { x::xmlSetProp(self.0, n.as_ptr() as *const u8, v.as_ptr() as *const u8) };
    }

    pub fn remove_attribute(self, name: &str) {
        let n = cstring(name);
        unsafe { x::xmlUnsetProp(self.0, n.as_ptr() as *const u8) };
    }

    pub fn parent(self) -> Option<Node> {
        let p = Node::wrap(self.raw().parent)?;
        p.is_element().then_some(p)
    }

    /// lxml's children (no text nodes).
    pub fn children(self) -> Vec<Node> {
        let mut out = Vec::new();
        let mut c = self.raw().children;
        while !c.is_null() {
            if is_child_type(unsafe { (*c).type_ }) {
                out.push(Node(c));
            }
            c = unsafe { (*c).next };
        }
        out
    }

    /// Element children only.
    pub fn element_children(self) -> Vec<Node> {
        self.children()
            .into_iter()
            .filter(|c| c.is_element())
            .collect()
    }

    /// lxml's `getprevious()`: the previous child sibling (not text).
    pub fn previous(self) -> Option<Node> {
        let mut p = self.raw().prev;
        while !p.is_null() {
            if is_child_type(unsafe { (*p).type_ }) {
                return Some(Node(p));
            }
            p = unsafe { (*p).prev };
        }
        None
    }

    /// lxml's `getnext()`.
    pub fn next(self) -> Option<Node> {
        let mut p = self.raw().next;
        while !p.is_null() {
            if is_child_type(unsafe { (*p).type_ }) {
                return Some(Node(p));
            }
            p = unsafe { (*p).next };
        }
        None
    }

    /// The elements of the subtree, the node first, in document order, with tag `tag` (all
    /// when `None`): lxml's `iter(tag)`.
    pub fn iter(self, tag: Option<&str>) -> Vec<Node> {
        let mut out = Vec::new();
        let root = self.0;
        let mut cur = root;
        loop {
            let n = Node(cur);
            if n.is_element() && tag.is_none_or(|t| n.tag() == t) {
                out.push(n);
            }
            // Next in document order within the subtree, without recursion.
            let c = unsafe { (*cur).children };
            if !c.is_null() && unsafe { (*cur).type_ } == x::xmlElementType_XML_ELEMENT_NODE {
                cur = c;
                continue;
            }
            loop {
                if cur == root {
                    return out;
                }
                let next = unsafe { (*cur).next };
                if !next.is_null() {
                    cur = next;
                    break;
                }
                cur = unsafe { (*cur).parent };
                if cur.is_null() {
                    return out;
                }
            }
        }
    }

    fn text_run(first: x::xmlNodePtr) -> (Option<String>, Vec<x::xmlNodePtr>) {
        let mut s: Option<String> = None;
        let mut nodes = Vec::new();
        let mut c = first;
        while !c.is_null() && is_text_type(unsafe { (*c).type_ }) {
            let t = unsafe { take_xml_string(x::xmlNodeGetContent(c)) }.unwrap_or_default();
            s.get_or_insert_with(String::new).push_str(&t);
            nodes.push(c);
            c = unsafe { (*c).next };
        }
        (s, nodes)
    }

    /// A new text node of this node's document (none for no text or an empty one).
    fn new_text(self, text: Option<&str>) -> Option<x::xmlNodePtr> {
        let c = cstring(text.filter(|t| !t.is_empty())?);
        Some(unsafe { x::xmlNewDocText(self.raw().doc, c.as_ptr() as *const u8) })
    }

    /// lxml's `.text`: the text before the first child (`None` when there is none).
    pub fn text(self) -> Option<String> {
        if !self.is_element() {
            return None;
        }
        Node::text_run(self.raw().children).0
    }

    /// lxml's `.text = …`.
    pub fn set_text(self, text: Option<&str>) {
        free_all(Node::text_run(self.raw().children).1);
        if let Some(tn) = self.new_text(text) {
            let first = self.raw().children;
            unsafe {
                if first.is_null() {
                    x::xmlAddChild(self.0, tn);
                } else {
                    x::xmlAddPrevSibling(first, tn);
                }
            }
        }
    }

    /// lxml's `.tail`.
    pub fn tail(self) -> Option<String> {
        Node::text_run(self.raw().next).0
    }

    /// lxml's `.tail = …`.
    pub fn set_tail(self, text: Option<&str>) {
        free_all(Node::text_run(self.raw().next).1);
        if let Some(tn) = self.new_text(text) {
            unsafe { x::xmlAddNextSibling(self.0, tn) };
        }
    }

    /// Unlinks the node and its tail text nodes, returning the tail.
    fn detach(self) -> Option<String> {
        let tail = self.tail();
        free_all(Node::text_run(self.raw().next).1);
        unsafe { x::xmlUnlinkNode(self.0) };
        tail
    }

    /// Puts `node` into this node's document if it comes from another one (a deep copy), and
    /// returns the node to insert.
    fn adopt(self, node: Node) -> Node {
        if node.raw().doc == self.raw().doc {
            node
        } else {
            let c = Node(unsafe { x::xmlDocCopyNode(node.0, self.raw().doc, 1) });
            Node::copy_marks(node, c);
            c
        }
    }

    /// True when `other` is this node or inside its subtree.
    pub fn contains(self, other: Node) -> bool {
        let mut cur = other.0;
        while !cur.is_null() {
            if cur == self.0 {
                return true;
            }
            cur = unsafe { (*cur).parent };
        }
        false
    }

    /// lxml's `addprevious(other)`: moves `other` (with its tail) just before this node. A node
    /// of another document is copied in; the inserted node is returned. Moving a node next to
    /// itself or into its own subtree does nothing (lxml refuses it: "cannot add ancestor as
    /// sibling"); the checks test [`Node::contains`] first.
    pub fn add_previous(self, other: Node) -> Node {
        self.move_in(other, |me, o| unsafe {
            x::xmlAddPrevSibling(me.0, o.0);
        })
    }

    /// Takes `other` out of its place with its tail (a node of another document: a copy),
    /// links it with `link`, and puts the tail back after it; nothing when `other` holds this
    /// node.
    fn move_in(self, other: Node, link: impl FnOnce(Node, Node)) -> Node {
        if other.contains(self) {
            return other;
        }
        let tail = if other.raw().doc == self.raw().doc {
            other.detach()
        } else {
            other.tail()
        };
        let other = self.adopt(other);
        link(self, other);
        other.set_tail(tail.as_deref());
        other
    }

    /// lxml's `addnext(other)`.
    pub fn add_next(self, other: Node) -> Node {
        if other.contains(self) {
            return other;
        }
        // Keep this node's tail after the inserted node, as lxml does.
        let my_tail = self.tail();
        self.set_tail(None);
        let other = self.move_in(other, |me, o| unsafe {
            x::xmlAddNextSibling(me.0, o.0);
        });
        if let Some(t) = my_tail {
            let joined = format!("{}{}", other.tail().unwrap_or_default(), t);
            other.set_tail(Some(&joined));
        }
        other
    }

    /// lxml's `append(other)`.
    pub fn append(self, other: Node) -> Node {
        self.move_in(other, |me, o| unsafe {
            x::xmlAddChild(me.0, o.0);
        })
    }

    /// Unlinks the node with its tail (lxml's `getparent().remove(node)` followed by a later
    /// insertion elsewhere): the node stays valid and must be inserted again, or freed.
    pub fn unlink(self) {
        self.detach();
    }

    /// Removes the node with its tail and frees it: neither it nor any node of its subtree may
    /// be used afterwards.
    pub fn free(self) {
        self.detach();
        unsafe { x::xmlFreeNode(self.0) };
    }

    /// Every child node, text included (DOM's `childNodes`).
    pub fn all_children(self) -> Vec<Node> {
        let mut out = Vec::new();
        let mut c = self.raw().children;
        while !c.is_null() {
            out.push(Node(c));
            c = unsafe { (*c).next };
        }
        out
    }

    /// The content of each text child.
    pub fn text_nodes(self) -> Vec<String> {
        self.all_children()
            .into_iter()
            .filter(|c| is_text_type(c.raw().type_))
            .map(|c| unsafe { take_xml_string(x::xmlNodeGetContent(c.0)) }.unwrap_or_default())
            .collect()
    }

    /// The first child's text when the first child is a text node (DOM's `firstChild.data`).
    pub fn leading_text(self) -> Option<String> {
        let c = self.raw().children;
        if c.is_null() || !is_text_type(unsafe { (*c).type_ }) {
            return None;
        }
        unsafe { take_xml_string(x::xmlNodeGetContent(c)) }
    }

    /// Takes `n` out of its place (same document) or copies it (another document), for DOM-style
    /// insertion where text nodes are nodes like any other.
    fn take(self, n: Node) -> Node {
        if n.raw().doc == self.raw().doc {
            unsafe { x::xmlUnlinkNode(n.0) };
            n
        } else {
            let c = Node(unsafe { x::xmlDocCopyNode(n.0, self.raw().doc, 1) });
            Node::copy_marks(n, c);
            c
        }
    }

    /// DOM's `before(n)`: inserts `n` (any node) just before this one; returns the inserted
    /// node (a text node may merge into a neighbour).
    pub fn insert_node_before(self, n: Node) -> Node {
        if n.contains(self) {
            return n;
        }
        let n = self.take(n);
        Node(unsafe { x::xmlAddPrevSibling(self.0, n.0) })
    }

    /// DOM's `after(n)`.
    pub fn insert_node_after(self, n: Node) -> Node {
        if n.contains(self) {
            return n;
        }
        let n = self.take(n);
        Node(unsafe { x::xmlAddNextSibling(self.0, n.0) })
    }

    /// DOM's `append(n)`.
    pub fn append_node(self, n: Node) -> Node {
        if n.contains(self) {
            return n;
        }
        let n = self.take(n);
        Node(unsafe { x::xmlAddChild(self.0, n.0) })
    }

    /// Unlinks and frees this node alone (DOM-style: its tail text is a separate node).
    pub fn free_node(self) {
        unsafe {
            x::xmlUnlinkNode(self.0);
            x::xmlFreeNode(self.0);
        }
    }

    /// The origin mark of the node (0 when unmarked): the checks record there which view's
    /// module added a node to a combined arch (libxml2's `_private` slot, unused otherwise).
    pub fn origin(self) -> usize {
        self.raw()._private as usize
    }

    /// Marks the node and its whole subtree with `origin`.
    pub fn mark(self, origin: usize) {
        let mut stack = vec![self.0];
        while let Some(p) = stack.pop() {
            unsafe {
                (*p)._private = origin as *mut c_void;
                if (*p).type_ == x::xmlElementType_XML_ELEMENT_NODE {
                    let mut c = (*p).children;
                    while !c.is_null() {
                        stack.push(c);
                        c = (*c).next;
                    }
                }
            }
        }
    }

    /// Copies the origin marks of `from`'s subtree onto `to`'s, a copy of it.
    pub fn copy_marks(from: Node, to: Node) {
        let mut stack = vec![(from.0, to.0)];
        while let Some((a, b)) = stack.pop() {
            unsafe {
                (*b)._private = (*a)._private;
                if (*a).type_ == x::xmlElementType_XML_ELEMENT_NODE {
                    let (mut ca, mut cb) = ((*a).children, (*b).children);
                    while !ca.is_null() && !cb.is_null() {
                        stack.push((ca, cb));
                        ca = (*ca).next;
                        cb = (*cb).next;
                    }
                }
            }
        }
    }

    /// The serialized node (without tail).
    pub fn to_xml(self) -> String {
        unsafe {
            let buf = x::xmlBufferCreate();
            x::xmlNodeDump(buf, self.raw().doc, self.0, 0, 0);
            let s = borrowed_str(x::xmlBufferContent(buf));
            x::xmlBufferFree(buf);
            s
        }
    }

    /// The serialized start tag with its attributes (`<field name="vat">`), for messages.
    pub fn start_tag(self) -> String {
        self.start_tag_without(&[])
    }

    /// [`Node::start_tag`] without the attributes named in `skip` (Odoo's "cannot be located"
    /// message leaves `position` out).
    pub fn start_tag_without(self, skip: &[&str]) -> String {
        let mut s = format!("<{}", self.tag());
        for (k, v) in self.attributes() {
            if skip.contains(&k.as_str()) {
                continue;
            }
            s.push_str(&format!(
                " {k}=\"{}\"",
                v.replace('&', "&amp;").replace('"', "&quot;")
            ));
        }
        s.push('>');
        s
    }
}

/// The node paths (`xmlGetNodePath`, lxml's `getpath`) an XPath expression selects in `arch`,
/// evaluated from the root element as Odoo does, with `hasclass()`; for the differential test
/// against lxml.
pub fn probe(arch: &str, expr: &str) -> Result<Vec<String>, String> {
    let doc = Doc::parse(arch, 1).map_err(|e| e.to_string())?;
    let root = doc.root().ok_or("no root")?;
    match doc.xpath(expr, root, true) {
        Ok(XPathValue::Nodes(n)) => Ok(n.into_iter().map(Node::path).collect()),
        Ok(XPathValue::Other(k) | XPathValue::Falsy(k)) => Err(format!("not a node-set: {k}")),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_file_lines_and_finds_nodes() {
        let doc = Doc::parse(
            "<form>\n<sheet>\n<field name=\"vat\" class=\"a  b\"/></sheet></form>",
            10,
        )
        .unwrap();
        let root = doc.root().unwrap();
        assert_eq!(root.line(), 10);
        let XPathValue::Nodes(n) = doc.xpath("//field[@name='vat']", root, true).unwrap() else {
            panic!()
        };
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].line(), 12);
        assert_eq!(n[0].path(), "/form/sheet/field");
        let XPathValue::Nodes(n) = doc.xpath("//*[hasclass('b', 'a')]", root, true).unwrap() else {
            panic!()
        };
        assert_eq!(n.len(), 1);
        let XPathValue::Nodes(n) = doc.xpath("//*[hasclass('a', 'c')]", root, true).unwrap() else {
            panic!()
        };
        assert!(n.is_empty());
    }

    #[test]
    fn errors_are_values_not_output() {
        let doc = Doc::parse("<a/>", 1).unwrap();
        let root = doc.root().unwrap();
        assert!(matches!(
            doc.xpath("//[", root, true),
            Err(XPathError::Syntax(_))
        ));
        assert!(matches!(
            doc.xpath("nope(1)", root, false),
            Err(XPathError::Evaluation(_))
        ));
        assert!(matches!(
            doc.xpath("count(//a)", root, false),
            Ok(XPathValue::Other("number"))
        ));
        assert!(Doc::parse("<a><b></a>", 1).is_err());
    }

    #[test]
    fn text_tail_and_moves_follow_lxml() {
        let doc = Doc::parse("<r>t0<a/>ta<b/>tb</r>", 1).unwrap();
        let r = doc.root().unwrap();
        let kids = r.children();
        let (a, b) = (kids[0], kids[1]);
        assert_eq!(r.text().as_deref(), Some("t0"));
        assert_eq!(a.tail().as_deref(), Some("ta"));
        // Moving b before a moves its tail along.
        a.add_previous(b);
        assert_eq!(r.to_xml(), "<r>t0<b/>tb<a/>ta</r>");
        b.free();
        assert_eq!(r.to_xml(), "<r>t0<a/>ta</r>");
        a.set_tail(Some("x"));
        r.set_text(None);
        assert_eq!(r.to_xml(), "<r><a/>x</r>");
        let other = Doc::parse("<c k=\"v\">in</c>", 1).unwrap();
        let c = a.add_next(other.root().unwrap());
        assert_eq!(r.to_xml(), "<r><a/><c k=\"v\">in</c>x</r>");
        assert_eq!(c.get("k").as_deref(), Some("v"));
    }

    #[test]
    fn copies_keep_lines() {
        let src = Doc::parse("<a>\n\n<b/></a>", 5).unwrap();
        let b = src.root().unwrap().children()[0];
        let dst = Doc::parse("<x/>", 1).unwrap();
        let c = dst.root().unwrap().append(b);
        assert_eq!(c.line(), 7);
    }
}
