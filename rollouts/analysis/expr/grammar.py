"""The LALR grammar of the condition language (expr-lang syntax, as Argo Rollouts uses it).

Kept as a Python string rather than a `.lark` file so that it ships inside any wheel without
package-data configuration. Precedence follows expr-lang's operator table, lowest first:
ternary, `or`, `and`, comparisons and `in`/`matches`/..., `..`, `+ -`, `* / %`, `!`/`not`,
unary minus, `**`, `??`, then member access, indexing and calls. Left-assoc levels are written
left-recursive, `**` right-recursive. The grammar is conflict-free (checked in strict mode by a
unit test), so no precedence is decided by Lark's shift preference.
"""

from __future__ import annotations

GRAMMAR = r"""
?start: ternary

?ternary: or_expr
        | or_expr "?" ternary ":" ternary       -> cond
        | or_expr "?" ":" ternary               -> elvis

?or_expr: and_expr
        | or_expr OR and_expr                   -> logic
        | or_expr OROR and_expr                 -> logic

?and_expr: cmp_expr
         | and_expr AND cmp_expr                -> logic
         | and_expr ANDAND cmp_expr             -> logic

?cmp_expr: range_expr
         | cmp_expr _cmp_op range_expr          -> compare
         | cmp_expr NOT _neg_op range_expr      -> not_compare

_cmp_op: EQ | NE | LT | LE | GT | GE | _neg_op
_neg_op: IN | MATCHES | CONTAINS | STARTSWITH | ENDSWITH

?range_expr: add_expr
           | range_expr DOTDOT add_expr         -> binary

?add_expr: mul_expr
         | add_expr PLUS mul_expr               -> binary
         | add_expr MINUS mul_expr              -> binary

?mul_expr: not_expr
         | mul_expr STAR not_expr               -> binary
         | mul_expr SLASH not_expr              -> binary
         | mul_expr PERCENT not_expr            -> binary

?not_expr: neg_expr
         | BANG not_expr                        -> unary
         | NOT not_expr                         -> unary

?neg_expr: pow_expr
         | MINUS neg_expr                       -> unary
         | PLUS neg_expr                        -> unary

?pow_expr: coalesce
         | coalesce POW neg_expr                -> binary
         | coalesce CARET neg_expr              -> binary

?coalesce: postfix
         | coalesce QQ postfix                  -> binary

?postfix: atom
        | atom trailer+                         -> chain

trailer: "." member_name                        -> t_attr
       | QDOT member_name                       -> t_opt_attr
       | "[" ternary "]"                        -> t_index
       | QDOT "[" ternary "]"                   -> t_opt_index
       | "[" [ternary] COLON [ternary] "]"      -> t_slice

member_name: NAME | keyword
keyword: TRUE | FALSE | NIL | AND | OR | NOT | IN | MATCHES | CONTAINS | STARTSWITH | ENDSWITH

?atom: INT                                      -> int_lit
     | FLOAT                                    -> float_lit
     | STRING                                   -> str_lit
     | RAW_STRING                               -> raw_str_lit
     | TRUE                                     -> true_lit
     | FALSE                                    -> false_lit
     | NIL                                      -> nil_lit
     | NAME                                     -> var
     | NAME "(" [args] ")"                      -> call
     | POINTER                                  -> pointer
     | "." member_name                          -> pointer_attr
     | "[" [items] "]"                          -> array
     | "{" [pairs] "}"                          -> map_lit
     | "(" ternary ")"                          -> paren

args: arg ("," arg)* [","]
?arg: ternary
    | "{" ternary "}"                           -> block
items: ternary ("," ternary)* [","]
pairs: pair ("," pair)* [","]
pair: map_key ":" ternary
map_key: NAME                                   -> key_name
       | STRING                                 -> key_str
       | RAW_STRING                             -> key_raw
       | INT                                    -> key_name
       | FLOAT                                  -> key_name
       | "(" ternary ")"                        -> key_expr

OR: "or"
OROR: "||"
AND: "and"
ANDAND: "&&"
NOT: "not"
IN: "in"
MATCHES: "matches"
CONTAINS: "contains"
STARTSWITH: "startsWith"
ENDSWITH: "endsWith"
TRUE: "true"
FALSE: "false"
NIL: "nil"
EQ: "=="
NE: "!="
LT: "<"
LE: "<="
GT: ">"
GE: ">="
DOTDOT: ".."
PLUS: "+"
MINUS: "-"
STAR: "*"
SLASH: "/"
PERCENT: "%"
BANG: "!"
POW: "**"
CARET: "^"
QQ: "??"
QDOT: "?."
COLON: ":"

FLOAT.2: /(\d[\d_]*)?\.\d[\d_]*([eE][+-]?\d[\d_]*)?|\d[\d_]*[eE][+-]?\d[\d_]*/
INT: /0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|\d[\d_]*/
STRING: /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/s
RAW_STRING: /`[^`]*`/
POINTER: /#(?:[A-Za-z_$][A-Za-z0-9_$]*)?/
NAME: /[A-Za-z_$][A-Za-z0-9_$]*/

COMMENT: /\/\/[^\n]*|\/\*(?:.|\n)*?\*\//
%ignore COMMENT
%ignore /[ \t\r\n\f\v]+/
"""
