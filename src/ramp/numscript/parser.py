"""Numscript parser: tokens to a `Program`, by recursive descent.

Accepts the stable language only; experimental syntax (oneof, colors, scaling, account
interpolation, function calls inside expressions) is rejected with code `unsupported_feature`.
Structural mistakes a reader can see in the text (unknown type or function, two `remaining`,
an ordered destination without a final `remaining`) are parse errors too, so a ledger learns
of them before anything runs.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Literal, NoReturn, cast, get_args

from ramp.numscript import ast
from ramp.numscript.errors import NumscriptParseError
from ramp.numscript.lexer import Token, tokenize

# Real scripts nest sources and destinations 3 or 4 deep; the bound keeps hostile input from
# exhausting Python's stack (about 1000 frames) while leaving ample room.
NESTING_MAX_DEPTH = 64

VAR_TYPES = frozenset(get_args(ast.VarType))
VAR_ORIGIN_FUNCTIONS = frozenset({"meta", "balance", "overdraft"})
STATEMENT_FUNCTIONS = frozenset({"set_tx_meta", "set_account_meta"})


def parse(source: str) -> ast.Program:
    """Parse Numscript `source`; raise `NumscriptParseError` (with line and column) if invalid."""
    return _Parser(tokenize(source)).program()


def _pos(token: Token) -> ast.Pos:
    return ast.Pos(token.line, token.column)


class _Parser:
    def __init__(self, tokens: list[Token]):
        self._tokens = tokens
        self._index = 0
        self._depth = 0

    # --- token helpers ---------------------------------------------------------------------

    def _peek(self, ahead: int = 0) -> Token:
        return self._tokens[min(self._index + ahead, len(self._tokens) - 1)]

    def _advance(self) -> Token:
        token = self._peek()
        self._index = min(self._index + 1, len(self._tokens) - 1)
        return token

    def _at(self, kind: str, text: str | None = None) -> bool:
        token = self._peek()
        return token.kind == kind and (text is None or token.text == text)

    def _expect(self, kind: str, text: str | None = None) -> Token:
        if not self._at(kind, text):
            self._fail(f"expected {text or kind}")
        return self._advance()

    def _fail(
        self, message: str, token: Token | None = None, code: str = "syntax_error"
    ) -> NoReturn:
        token = token or self._peek()
        found = "end of script" if token.kind == "eof" else repr(token.text)
        raise NumscriptParseError(
            f"{message}, found {found}", line=token.line, column=token.column, code=code
        )

    def _enter(self) -> None:
        self._depth += 1
        if self._depth > NESTING_MAX_DEPTH:
            self._fail(f"nesting deeper than {NESTING_MAX_DEPTH}", code="nesting_too_deep")

    def _leave(self) -> None:
        self._depth -= 1

    # --- program ---------------------------------------------------------------------------

    def program(self) -> ast.Program:
        variables = self._vars() if self._at("keyword", "vars") else ()
        statements: list[ast.Statement] = []
        while not self._at("eof"):
            statements.append(self._statement())
        return ast.Program(vars=variables, statements=tuple(statements))

    def _vars(self) -> tuple[ast.VarDecl, ...]:
        self._expect("keyword", "vars")
        self._expect("punct", "{")
        declarations: list[ast.VarDecl] = []
        seen: set[str] = set()
        while not self._at("punct", "}"):
            type_token = self._peek()
            if type_token.kind != "ident" or type_token.text not in VAR_TYPES:
                self._fail(f"expected a type ({', '.join(sorted(VAR_TYPES))})", code="unknown_type")
            self._advance()
            name_token = self._expect("variable")
            name = name_token.text[1:]
            if name in seen:
                self._fail(f"variable ${name} declared twice", name_token, "duplicate_variable")
            seen.add(name)
            origin = None
            if self._at("punct", "="):
                self._advance()
                origin = self._fn_call(VAR_ORIGIN_FUNCTIONS)
            var_type = cast(ast.VarType, type_token.text)
            declarations.append(ast.VarDecl(_pos(type_token), var_type, name, origin))
        self._advance()
        return tuple(declarations)

    def _fn_call(self, allowed: frozenset[str]) -> ast.FnCall:
        name_token = self._peek()
        # `overdraft` is a keyword elsewhere, a function name here.
        if name_token.kind not in ("ident", "keyword") or name_token.text not in allowed:
            self._fail(f"expected one of {', '.join(sorted(allowed))}", code="unknown_function")
        self._advance()
        self._expect("punct", "(")
        args: list[ast.Expr] = []
        if not self._at("punct", ")"):
            args.append(self._expr())
            while self._at("punct", ","):
                self._advance()
                args.append(self._expr())
        self._expect("punct", ")")
        return ast.FnCall(_pos(name_token), name_token.text, tuple(args))

    def _statement(self) -> ast.Statement:
        token = self._peek()
        if self._at("keyword", "send"):
            self._advance()
            amount = self._sent_amount()
            self._expect("punct", "(")
            self._expect("keyword", "source")
            self._expect("punct", "=")
            source = self._source()
            self._expect("keyword", "destination")
            self._expect("punct", "=")
            destination = self._destination()
            self._expect("punct", ")")
            return ast.Send(_pos(token), amount, source, destination)
        if self._at("keyword", "save"):
            self._advance()
            amount = self._sent_amount()
            self._expect("keyword", "from")
            return ast.Save(_pos(token), amount, self._expr())
        if token.kind == "ident":
            return self._fn_call(STATEMENT_FUNCTIONS)
        self._fail("expected a statement (send, save, set_tx_meta, set_account_meta)")

    def _sent_amount(self) -> ast.Expr | ast.SendAll:
        # `[ASSET *]` and `[ASSET n] + ...` both start with `[ASSET`: look one primary ahead.
        if self._at("punct", "["):
            start = self._index
            bracket = self._advance()
            asset = self._primary()
            if self._at("punct", "*"):
                self._advance()
                self._expect("punct", "]")
                return ast.SendAll(_pos(bracket), asset)
            self._index = start
        return self._expr()

    # --- sources ---------------------------------------------------------------------------

    def _source(self) -> ast.Source:
        self._enter()
        token = self._peek()
        if self._at("keyword", "max"):
            self._advance()
            cap = self._expr()
            self._expect("keyword", "from")
            result: ast.Source = ast.SourceCapped(_pos(token), cap, self._source())
        elif self._at("punct", "{"):
            result = self._source_block()
        else:
            self._reject_oneof()
            result = self._account_source(self._expr())
        self._leave()
        return result

    def _account_source(self, account: ast.Expr) -> ast.Source:
        if not self._at("keyword", "allowing"):
            return ast.SourceAccount(account.pos, account)
        self._advance()
        if self._at("keyword", "unbounded"):
            self._advance()
            self._expect("keyword", "overdraft")
            return ast.SourceOverdraft(account.pos, account, None)
        self._expect("keyword", "overdraft")
        self._expect("keyword", "up")
        self._expect("keyword", "to")
        return ast.SourceOverdraft(account.pos, account, self._expr())

    def _source_block(self) -> ast.Source:
        opening = self._advance()
        ordered: list[ast.Source] = []
        allotted: list[ast.SourceAllotmentItem] = []
        remaining_seen = False
        while not self._at("punct", "}"):
            item_token = self._peek()
            if self._at("keyword", "remaining"):
                self._advance()
                if remaining_seen:
                    self._fail("`remaining` used twice", item_token, "duplicate_remaining")
                remaining_seen = True
                self._expect("keyword", "from")
                allotted.append(ast.SourceAllotmentItem(_pos(item_token), None, self._source()))
            elif self._at("keyword", "max") or self._at("punct", "{"):
                ordered.append(self._source())
            else:
                expr = self._expr()
                if self._at("keyword", "from"):
                    self._advance()
                    item = ast.SourceAllotmentItem(_pos(item_token), expr, self._source())
                    allotted.append(item)
                else:
                    ordered.append(self._account_source(expr))
            if ordered and allotted:
                self._fail("cannot mix allotment items and ordered sources", item_token)
        self._advance()
        if allotted:
            return ast.SourceAllotment(_pos(opening), tuple(allotted))
        return ast.SourceInorder(_pos(opening), tuple(ordered))

    def _reject_oneof(self) -> None:
        if self._at("ident", "oneof"):
            self._fail(
                "`oneof` is an experimental feature and not supported", code="unsupported_feature"
            )

    # --- destinations ----------------------------------------------------------------------

    def _destination(self) -> ast.Destination:
        self._enter()
        if self._at("punct", "{"):
            result = self._destination_block()
        else:
            self._reject_oneof()
            account = self._expr()
            result = ast.DestAccount(account.pos, account)
        self._leave()
        return result

    def _target(self) -> ast.Target:
        token = self._peek()
        if self._at("keyword", "kept"):
            self._advance()
            return ast.Kept(_pos(token))
        self._expect("keyword", "to")
        return self._destination()

    def _destination_block(self) -> ast.Destination:
        opening = self._advance()
        # (kind, value, target, token): kind is "max", "remaining" or "portion".
        items: list[tuple[str, ast.Expr | None, ast.Target, Token]] = []
        while not self._at("punct", "}"):
            token = self._peek()
            if self._at("keyword", "max"):
                self._advance()
                items.append(("max", self._expr(), self._target(), token))
            elif self._at("keyword", "remaining"):
                self._advance()
                items.append(("remaining", None, self._target(), token))
            else:
                items.append(("portion", self._expr(), self._target(), token))
        closing = self._advance()
        if not items:
            self._fail("empty destination block", closing)
        if any(kind == "max" for kind, *_ in items):
            return self._ordered_destination(opening, items)
        remainings = [token for kind, _, _, token in items if kind == "remaining"]
        if len(remainings) > 1:
            self._fail("`remaining` used twice", remainings[1], "duplicate_remaining")
        return ast.DestAllotment(
            _pos(opening),
            tuple(
                ast.DestAllotmentItem(_pos(token), value, target)
                for _, value, target, token in items
            ),
        )

    def _ordered_destination(
        self, opening: Token, items: list[tuple[str, ast.Expr | None, ast.Target, Token]]
    ) -> ast.Destination:
        *clauses, last = items
        if last[0] != "remaining":
            self._fail("an ordered destination must end with `remaining`", last[3])
        for kind, _, _, token in clauses:
            if kind != "max":
                self._fail("an ordered destination takes only `max ...` before `remaining`", token)
        return ast.DestInorder(
            _pos(opening),
            tuple(
                ast.DestInorderClause(_pos(token), cast(ast.Expr, cap), target)
                for _, cap, target, token in clauses
            ),
            last[2],
        )

    # --- expressions -----------------------------------------------------------------------

    def _expr(self) -> ast.Expr:
        left = self._quotient()
        while self._at("punct", "+") or self._at("punct", "-"):
            op: Literal["+", "-"] = "+" if self._advance().text == "+" else "-"
            left = ast.BinaryOp(left.pos, op, left, self._quotient())
        return left

    def _quotient(self) -> ast.Expr:
        left = self._unary()
        while self._at("punct", "/"):
            self._advance()
            left = ast.BinaryOp(left.pos, "/", left, self._unary())
        return left

    def _unary(self) -> ast.Expr:
        if not self._at("punct", "-"):
            return self._primary()
        token = self._advance()
        self._enter()
        operand = self._unary()
        self._leave()
        return ast.Negate(_pos(token), operand)

    def _primary(self) -> ast.Expr:
        token = self._peek()
        pos = _pos(token)
        kind, text = token.kind, token.text
        if kind == "variable":
            self._advance()
            return ast.VariableRef(pos, text[1:])
        if kind == "account":
            self._advance()
            return ast.AccountLit(pos, text[1:])
        if kind == "asset":
            self._advance()
            return ast.AssetLit(pos, text)
        if kind == "string":
            self._advance()
            # Kept verbatim between the quotes, as the reference does (no escape processing).
            return ast.StringLit(pos, text[1:-1])
        if kind == "number":
            self._advance()
            return ast.NumberLit(pos, int(text.replace("_", "")))
        if kind == "percent":
            self._advance()
            return ast.PortionLit(pos, Fraction(text[:-1]) / 100)
        if self._at("punct", "["):
            return self._monetary()
        if self._at("punct", "("):
            self._advance()
            self._enter()
            inner = self._expr()
            self._leave()
            self._expect("punct", ")")
            return inner
        if kind == "ident" and self._peek(1).text == "(":
            self._fail(
                "function calls inside expressions are experimental and not supported",
                code="unsupported_feature",
            )
        self._fail("expected a value")

    def _monetary(self) -> ast.Expr:
        bracket = self._advance()
        self._enter()
        # The asset is a single primary so that `[COIN -10]` reads as COIN and -10.
        asset = self._primary()
        if self._at("punct", "*"):
            self._fail("`[ASSET *]` is only allowed as the amount of send or save")
        amount = self._expr()
        self._leave()
        self._expect("punct", "]")
        return ast.MonetaryLit(_pos(bracket), asset, amount)
