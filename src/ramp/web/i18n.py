"""Labels in English and Japanese, and the reader's language (a cookie, English by default).

Domain words follow docs/glossary.md: 歳出予算 appropriation, 配賦 allotment, 支出負担行為
obligation, 支出 disbursement, 繰越 carry-over, 不用 lapse.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request

from ramp.web.i18n_requests import REQUEST_LABELS
from ramp.web.money import LANGS

LANG_COOKIE: Final = "ramp_lang"

# key -> (English, Japanese)
LABELS: Final[dict[str, tuple[str, str]]] = {
    "app": ("RAMP", "RAMP"),
    "app.long": ("Rapid Allocation and Monitoring Platform", "防衛予算 執行管理基盤"),
    "skip": ("Skip to content", "本文へ移動"),
    "nav": ("Pages", "ページ"),
    "page.overview": ("Overview", "概要"),
    "page.budget": ("Budget tree", "予算ツリー"),
    "page.ledger": ("Ledger explorer", "台帳エクスプローラ"),
    "page.feed": ("Live feed", "ライブフィード"),
    "page.public": ("Public view", "公開ビュー"),
    "page.log": ("Log monitor", "ログ監視"),
    "page.approvals": ("Approvals", "承認"),
    "lang.switch": ("日本語", "English"),
    "lang.label": ("Language", "言語"),
    "fy": ("FY{fy}", "{fy}年度"),
    "fy.at_a_glance": ("FY{fy} at a glance", "{fy}年度の概況"),
    "fy.status.in_progress": ("In progress: day {day} of {days}, as of {as_of} (JST)",
                              "執行中: {days}日中{day}日目、{as_of}現在(日本時間)"),
    "fy.status.settling": ("Ended {end}; closing its accounts (出納整理期間), as of {as_of} (JST)",
                           "{end}に終了、出納整理期間中。{as_of}現在(日本時間)"),
    "fy.status.closed": ("Closed (決算): the year's settlement is final, as of {as_of} (JST)",
                         "決算済: 歳出決算は確定。{as_of}現在(日本時間)"),
    "fy.status.ahead": ("Begins {start}, as of {as_of} (JST)", "{start}に開始。{as_of}現在(日本時間)"),
    "fy.closed": ("closed", "決算済"),
    "fy.choose": ("Fiscal year", "年度"),
    "issued": ("Issued", "発行額"),
    "appropriated": ("Appropriated", "歳出予算現額"),
    "allotted": ("Allotted", "配賦額"),
    "unallotted": ("Not yet allotted", "未配賦"),
    "obligated": ("Obligated", "支出負担行為額"),
    "disbursed": ("Disbursed", "支出済額"),
    "available": ("Available", "執行可能額"),
    "carried_in": ("Carried in", "前年度繰越額"),
    "carried_over": ("Carried over", "翌年度繰越額"),
    "lapsed": ("Lapsed", "不用額"),
    "issued.help": ("digital yen minted against the Diet's appropriation", "国会の議決に基づき発行されたデジタル円"),
    "allotted.help": ("handed down to organisations and projects", "組織・事業へ配賦された額"),
    "obligated.help": ("committed by signed contracts", "契約により負担した額"),
    "disbursed.help": ("paid to vendors", "業者へ支払済の額"),
    "available.help": ("held by projects, free to obligate", "事業が保有し契約に充てられる額"),
    "utilisation": ("Utilisation through the year", "年度内の執行状況"),
    "utilisation.caption": ("Cumulative obligations and payments as a share of the appropriation, by month",
                            "歳出予算現額に対する支出負担行為・支出の累計(月別)"),
    "treemap": ("Where the money is: organisation and category", "組織・分野別の配分"),
    "treemap.caption": ("Area is the appropriation of each organisation's projects, by category; "
                        "hover a block for its figures, or show them all as a table.",
                        "面積は各組織の事業の予算額(分野別)。ブロックにカーソルを合わせると詳細を表示。表でも確認できます。"),
    "table.view": ("Show as a table", "表で表示"),
    "organisation": ("Organisation", "組織"),
    "category": ("Category", "分野"),
    "category.other": ("other", "その他"),
    "category.unallotted": ("not yet allotted", "未配賦"),
    "category.withheld": ("secret lines (withheld)", "秘匿事項(非開示)"),
    "withheld": ("Secret lines (withheld: auditors only)", "秘匿事項(非開示:会計検査院のみ)"),
    "category.total": ("Total (the appropriation)", "合計(歳出予算現額)"),
    "category.of_which": ("of which: {name}", "うち {name}"),
    "category.rule": ("Each yen is counted once, under the first category of its budget line; the rows add up to "
                      "the total.", "各金額は予算科目の第一の分野に1回だけ計上し、各行の合計が総額と一致します。"),
    "category.overlap": ("Overlapping tags: {tags}. They cut across the categories above (a line tagged so also "
                         "belongs to its own category), so they are shown as “of which” and never added to the total.",
                         "重複するタグ:{tags}。上記の分野にまたがる区分(該当する予算科目は本来の分野にも属します)のため、"
                         "「うち」として表示し、合計には加えません。"),
    "category.reconcile": ("The appropriation {appropriated} is the money issued {issued}, the reserve fund released "
                           "{reserve} and the money carried in {carried_in}.",
                           "歳出予算現額 {appropriated} = 発行額 {issued} + 予備費使用額 {reserve} + 前年度繰越額 {carried_in}。"),
    "list.sep": (", ", "、"),
    "node.chart": ("Through the year, against the year before", "年度内の推移(前年度との比較)"),
    "node.chart.caption": ("Allotted, obligated and disbursed, cumulative by month of FY{fy}; the year before dashed",
                           "{fy}年度の配賦額・支出負担行為額・支出済額の月別累計(破線は前年度)"),
    "node.chart.no_prior": ("The year before has no such node.", "前年度に同じノードはありません。"),
    "node.chart.prior": ("FY{fy}", "{fy}年度"),
    "change_order.caption": ("The change order: before and after", "契約変更の内容(変更前・変更後)"),
    "change_order.what": ("Changes", "変更項目"),
    "change_order.before": ("Before", "変更前"),
    "change_order.after": ("After", "変更後"),
    "change_order.contract": ("The contract", "契約全体"),
    "change_order.amount": ("amount", "金額"),
    "change_order.due": ("due date", "履行期限"),
    "change_order.expires": ("expiry", "契約期限"),
    "by_organisation": ("By organisation", "組織別"),
    "by_category": ("By category", "分野別"),
    "alerts": ("Alerts", "アラート"),
    "alerts.none": ("No availability alerts.", "執行率アラートはありません。"),
    "alerts.count": ("{n} alerts; the newest {shown}:", "アラート{n}件(最新{shown}件):"),
    "alert.level": ("Level", "区分"),
    "alert.node": ("Node", "ノード"),
    "alert.kind": ("Operation", "操作"),
    "alert.threshold": ("Threshold", "閾値"),
    "alert.utilisation": ("Utilisation", "執行率"),
    "op.allot": ("allotment", "配賦"),
    "op.obligate": ("obligation", "支出負担行為"),
    "level.info": ("info", "情報"),
    "level.warning": ("warning", "警告"),
    "month": ("Month", "月"),
    "share": ("Share", "割合"),
    "node": ("Node", "ノード"),
    "kind": ("Kind", "区分"),
    "kind.item": ("item (項)", "項"),
    "kind.sub_item": ("sub-item (目)", "目"),
    "kind.organisation": ("organisation", "組織"),
    "kind.program": ("program", "プログラム"),
    "kind.project": ("project", "事業"),
    "estimate": ("estimated split", "推計配分"),
    "history": ("History", "履歴"),
    "history.of": ("Movements of {node}", "{node} の移動履歴"),
    "history.none": ("No movements.", "移動はありません。"),
    "history.more": ("Older movements are first; next page", "次のページ"),
    "budget.caption": ("Expand a line to drill down from appropriation item to project; "
                       "open a node for its figures and history.",
                       "行を展開して項から事業まで掘り下げ、ノードを開くと金額と履歴を表示します。"),
    "seq": ("Seq", "番号"),
    "time": ("Time (JST)", "日時(JST)"),
    "code": ("Code", "区分"),
    "amount": ("Amount", "金額"),
    "direction": ("Direction", "方向"),
    "in": ("in", "入"),
    "out": ("out", "出"),
    "counterparty": ("Counterparty", "相手先"),
    "from": ("From", "支払元"),
    "to": ("To", "支払先"),
    "id": ("ID", "ID"),
    "search": ("Search", "検索"),
    "ledger.caption": ("Find a transfer or an account by its id. A transfer's page proves it is in the "
                       "log and verifies the proof in this browser.",
                       "送金IDまたは口座IDで検索。送金ページでは、ログに含まれることの証明をこのブラウザで検証します。"),
    "ledger.query": ("Transfer or account id", "送金ID・口座ID"),
    "ledger.not_found": ("Nothing found for “{q}”.", "「{q}」は見つかりません。"),
    "ledger.examples": ("Examples", "例"),
    # find anything, tables, CSV (web/search.py, web/account_table.py)
    "search.title": ("Find anything", "検索"),
    "search.caption": ("Transfers, accounts, contracts, vendors, projects, invoice references and requests: any part of "
                       "an id or a name, in any case. The best matches first: the whole id, then its start, then a "
                       "word's start, then anywhere.",
                       "送金・口座・契約・業者・事業・請求番号・申請を、IDや名称の一部から検索します(大文字小文字を区別しません)。"
                       "ID全体の一致、IDの前方一致、語の前方一致、部分一致の順に表示します。"),
    "search.query": ("Id or name, or a part of one", "IDまたは名称(一部でも可)"),
    "search.too_short": ("Type at least two characters.", "2文字以上入力してください。"),
    "search.count": ("{n} found · page {page} of {pages}", "{n}件 · {page}/{pages}ページ"),
    "search.id": ("Id", "ID"),
    "search.name": ("Name", "名称"),
    "search.go": ("Also", "関連"),
    "search.payments": ("Payments", "支払一覧"),
    "search.kind.vendor": ("Vendor", "業者"),
    "search.kind.project": ("Project", "事業"),
    "search.kind.contract": ("Contract", "契約"),
    "search.kind.request": ("Request", "申請"),
    "search.kind.account": ("Account", "口座"),
    "search.kind.invoice": ("Invoice", "請求番号"),
    "search.kind.transfer": ("Transfer", "送金"),
    "filter.all": ("All", "すべて"),
    "filter.apply": ("Apply", "適用"),
    "sort": ("Order", "並び順"),
    "sort.newest": ("Newest first", "新しい順"),
    "sort.oldest": ("Oldest first", "古い順"),
    "csv": ("Download CSV", "CSVをダウンロード"),
    "pages": ("Pages of the table", "表のページ"),
    "pager.newer": ("Newer", "新しいもの"),
    "pager.older": ("Older", "古いもの"),
    "pager.prev": ("Previous", "前へ"),
    "pager.next": ("Next", "次へ"),
    "transfers.table": ("Transfers", "送金"),
    # the log monitor (web/logmonitor.py, static/consistency.js)
    "log.caption": ("Every checkpoint the log has signed, newest first, with the witnesses that cosigned it. Pick "
                    "any two: your browser checks both signatures and that the newer log only appended to the "
                    "older one (a consistency proof, RFC 9162).",
                    "ログが署名した全チェックポイント(新しい順)と、連署したウィトネス。任意の2つを選ぶと、ブラウザが両方の署名と、"
                    "新しいログが古いログに追記しただけであること(整合性証明、RFC 9162)を検証します。"),
    "log.consistency": ("Consistency between two checkpoints", "2つのチェックポイント間の整合性"),
    "log.old": ("Older size", "古いサイズ"),
    "log.new": ("Newer size", "新しいサイズ"),
    "log.verify": ("Verify in this browser", "このブラウザで検証"),
    "log.noscript": ("Verification runs in the browser (script).", "検証はブラウザ(スクリプト)で行います。"),
    "log.history": ("Checkpoint history", "チェックポイント履歴"),
    "log.count": ("{n} signed checkpoints", "署名済みチェックポイント {n}件"),
    "log.witnesses": ("Witnesses", "ウィトネス"),
    "log.size": ("Size", "サイズ"),
    "log.root": ("Root hash", "ルートハッシュ"),
    "log.cosigned": ("Cosigned by (time, JST)", "連署(日時 JST)"),
    "log.not_cosigned": ("not cosigned", "連署なし"),
    "log.use": ("Check", "検証に使う"),
    "log.as_old": ("as older", "古い側"),
    "log.as_new": ("as newer", "新しい側"),
    # every contract of the ledger (web/registered.py)
    "registered.title": ("All contracts in the ledger", "台帳上の全契約"),
    "registered.caption": ("The contracts desk's contracts and the budget's registered contracts (財政法 第15条), "
                           "each with its escrows: obligated, and what they still hold.",
                           "契約窓口で締結した契約と、予算上登録された契約(財政法 第15条)。エスクローへの支出負担行為額と未払残高。"),
    "registered.link": ("All contracts in the ledger, including the budget's registered contracts", "予算上登録された契約を含む台帳上の全契約"),
    "registered.fy": ("Fiscal year", "年度"),
    "registered.obligated": ("Obligated", "支出負担行為額"),
    "registered.unpaid": ("Held in escrow", "未払残高"),
    "registered.sort.newest": ("Newest first", "新しい順"),
    "registered.sort.total": ("Largest first", "金額の大きい順"),
    "registered.sort.id": ("By id", "ID順"),
    "alerts.all": ("All alerts of the year, filtered, sorted, as CSV", "年度の全アラート(絞り込み・並べ替え・CSV)"),
    "alerts.sort.newest": ("Newest first", "新しい順"),
    "alerts.sort.utilisation": ("Highest utilisation first", "使用率の高い順"),
    "transfer": ("Transfer", "送金"),
    "account": ("Account", "口座"),
    "balance": ("Balance", "残高"),
    "debits_posted": ("Debits posted", "借方計上"),
    "credits_posted": ("Credits posted", "貸方計上"),
    "metadata": ("Metadata", "属性"),
    "references": ("References", "参照"),
    "memo": ("Memo", "摘要"),
    "transfers.recent": ("Transfers, oldest first", "送金(古い順)"),
    "verify": ("Verify in this browser", "このブラウザで検証"),
    "verify.again": ("Verify again", "再検証"),
    "verify.caption": ("Your browser fetches the log entry, its inclusion proof and the latest signed checkpoint, "
                       "and checks them itself (SHA-256 and Ed25519 by WebCrypto, RFC 9162 in this page's script). "
                       "It trusts only the log's public key shown below: compare it with the key published out of band.",
                       "ブラウザがログの記録・包含証明・最新の署名付きチェックポイントを取得し、自ら検証します"
                       "(WebCryptoによるSHA-256とEd25519、RFC 9162のアルゴリズム)。信頼するのは下に示すログの公開鍵のみです。"
                       "別途公表された鍵と照合してください。"),
    "feed.caption": ("Events as they are committed to the journal (server-sent events). A large batch shows its "
                     "newest events and how many it held.",
                     "仕訳帳に確定したイベントを即時表示(Server-Sent Events)。大きなバッチは最新分と件数を表示します。"),
    "feed.status": ("Connection", "接続"),
    "feed.waiting": ("connecting…", "接続中…"),
    "feed.events": ("events", "件"),
    "feed.show": ("Show", "表示する種類"),
    "feed.group.transfer": ("transfers", "送金"),
    "feed.group.account": ("accounts opened", "口座開設"),
    "feed.group.budget": ("budget records", "予算の記録"),
    "feed.group.approval": ("requests and decisions", "申請・決裁"),
    "feed.group.contract": ("contracts", "契約"),
    "feed.group.disclosure": ("published totals", "公表"),
    "feed.group.identity": ("identities", "ID"),
    "feed.group.auth": ("sign-ins (auth)", "サインイン等(auth)"),
    "feed.group.other": ("other", "その他"),
    "public.caption": ("Aggregates only: totals by organisation and category, and the log's latest signed "
                       "checkpoint. No project, contract or vendor detail is shown here.",
                       "集計値のみを公開します(組織別・分野別の合計とログの最新チェックポイント)。"
                       "事業・契約・業者の詳細は表示しません。"),
    "checkpoint": ("Latest signed checkpoint", "最新の署名付きチェックポイント"),
    "checkpoint.size": ("Log size", "ログのサイズ"),
    "signin.required": ("Sign-in required", "サインインが必要です"),
    "signin.none": ("This page shows budget detail, which is not public. This server has no web sign-in "
                    "(it is started without --credentials): the public view shows the aggregates.",
                    "このページは非公開の予算詳細を表示します。このサーバはWebサインインが無効です"
                    "(--credentials なしで起動)。集計値は公開ビューで確認できます。"),
    "forbidden": ("Not permitted", "権限がありません"),
    "forbidden.text": ("Your roles do not include reading budget detail.", "予算詳細の閲覧権限がありません。"),
    "not_found": ("Not found", "見つかりません"),
    "demo.banner": ("Demo: open access to the fictitious demo data, read only, no sign-in (ramp demo --open-access).",
                    "デモ:架空のデモデータを誰でも閲覧できます(閲覧のみ・サインインなし、ramp demo --open-access)。"),
    "signed_in_as": ("Signed in as {who}", "{who} でサインイン中"),
    # sign-in (ramp.web.signin)
    "signin": ("Sign in", "サインイン"),
    "signout": ("Sign out", "サインアウト"),
    "signin.caption": ("Your identity, your password and the 6-digit code your authenticator app shows now.",
                       "ID、パスワード、認証アプリに表示中の6桁のコードを入力してください。"),
    "signin.identity": ("Identity", "ID"),
    "signin.password": ("Password", "パスワード"),
    "signin.code": ("Code (TOTP)", "確認コード(TOTP)"),
    "signin.code.help": ("6 digits, from your authenticator app; each code is used once.",
                         "認証アプリの6桁の数字。各コードは1回だけ使えます。"),
    "signin.submit": ("Sign in", "サインイン"),
    "signin.public": ("No account? The aggregates are public:", "アカウントがない場合も、集計値は公開されています:"),
    "signin.disabled": ("This server has no web sign-in (it is started without --credentials).",
                        "このサーバはWebサインインが無効です(--credentials なしで起動)。"),
    "signin.signed_out": ("You are signed out.", "サインアウトしました。"),
    "signin.failed": ("Sign-in failed: the identity, the password or the code is not right. Check all three "
                      "(a code is good for about 30 seconds, and only once) and try again.",
                      "サインインできません:ID・パスワード・コードのいずれかが正しくありません。"
                      "3つとも確認して再度お試しください(コードは約30秒間、1回だけ有効)。"),
    "signin.locked": ("Too many failed attempts (from here, or for this identity): sign-in is paused for 15 minutes.",
                      "失敗が続いたため(この接続元またはこのID)、サインインを15分間停止しています。"),
    "signin.passkey": ("Sign in with a passkey", "パスキーでサインイン"),
    "signin.passkey.or": ("Or, with a passkey you registered:", "登録済みのパスキーでもサインインできます:"),
    "signin.passkey.failed": ("Sign-in with the passkey failed (not a registered passkey, cancelled, or too many "
                              "attempts). Try again, or use your password and code.",
                              "パスキーでサインインできません(未登録、キャンセル、または試行回数超過)。"
                              "再度お試しいただくか、パスワードとコードを使ってください。"),
    "signin.passkey.unsupported": ("This browser offers no passkeys here (they need https or this machine's own address).",
                                   "このブラウザではここでパスキーを使えません(https か、このマシン自身のアドレスが必要です)。"),
    "signin.incomplete": ("Fill in the identity, the password and the code.", "ID・パスワード・コードをすべて入力してください。"),
    "signin.unavailable": ("The service is busy: nothing was done. Try again in a moment.",
                           "サービスが混み合っています(処理は行われていません)。しばらくして再度お試しください。"),
    "form.refused": ("Not done", "処理できません"),
    "form.foreign": ("This form was sent from another site: refused.", "他のサイトから送信されたフォームのため拒否しました。"),
    "form.invalid": ("The form could not be read: reload the page and try again.",
                     "フォームを読み取れません。ページを再読み込みして再度お試しください。"),
    "form.too_large": ("The form is too large.", "フォームが大きすぎます。"),
    "form.expired": ("This form is not from your current session (it may be from before you signed in again): "
                     "reload the page and try again. Nothing was done.",
                     "このフォームは現在のセッションのものではありません(再サインイン前のページなど)。"
                     "ページを再読み込みして再度お試しください。処理は行われていません。"),
    # approvals inbox (ramp.web.inbox)
    "inbox.caption": ("Requests waiting for your decision, then the others. You approve or reject with your "
                      "passkey: it signs the decision itself, and the log keeps that signature for anyone to check.",
                      "あなたの決裁を待つ申請と、その他の申請。承認・却下はあなたのパスキーで行います。"
                      "パスキーが決裁そのものに署名し、その署名はログに残り誰でも検証できます。"),
    "inbox.read_only": ("Sign in with web login to decide; here you can only read.", "決裁にはサインインが必要です(ここでは閲覧のみ)。"),
    "inbox.waiting": ("Waiting for you ({n})", "あなたの決裁待ち({n}件)"),
    "inbox.none": ("Nothing is waiting for your decision.", "決裁待ちの申請はありません。"),
    "inbox.others": ("Other requests, newest first", "その他の申請(新しい順)"),
    "inbox.no_others": ("No other requests.", "その他の申請はありません。"),
    "inbox.approve": ("Approve with passkey", "パスキーで承認"),
    "inbox.needs_passkey": ("To decide, add a passkey first (Your passkeys, above): a decision in the web is "
                            "your passkey's signature.",
                            "決裁するには、まずパスキーを追加してください(上の「あなたのパスキー」)。"
                            "Webでの決裁はあなたのパスキーによる署名です。"),
    "inbox.needs_script": ("Deciding asks your authenticator to sign, which needs JavaScript and a secure "
                           "connection (https, or this machine's own address).",
                           "決裁には認証器による署名が必要なため、JavaScriptと安全な接続(httpsまたはこの端末自身のアドレス)が必要です。"),
    "inbox.passkeys": ("Your passkeys", "あなたのパスキー"),
    "inbox.passkeys.count": ("{n} registered. A passkey signs your approval itself: the log keeps the "
                             "signature and anyone can check it against the key you registered.",
                             "{n} 件登録済み。パスキーは承認そのものに署名します。署名はログに残り、"
                             "登録した鍵で誰でも検証できます。"),
    "inbox.passkeys.add": ("Add a passkey", "パスキーを追加"),
    "inbox.passkeys.code": ("Fresh code (TOTP) to add a passkey", "パスキー追加用の新しい確認コード(TOTP)"),
    "inbox.passkeys.code.help": ("Adding a key asks for your second factor again: a code not used before (after "
                                 "signing in, wait for your authenticator's next code).",
                                 "鍵の追加には再度の二要素確認が必要です。未使用のコードを入力してください"
                                 "(サインイン直後は次のコードが表示されるまでお待ちください)。"),
    "inbox.passkeys.added": ("Passkey added: you can sign in and approve with it.",
                             "パスキーを追加しました。サインインと承認に使えます。"),
    "inbox.passkeys.failed": ("The passkey was not added (cancelled, already registered, or refused).",
                              "パスキーを追加できませんでした(キャンセル、登録済み、または拒否)。"),
    "inbox.passkeys.approve_failed": ("The passkey did not sign (cancelled, or not a passkey of this site). "
                                      "Nothing was done.",
                                      "パスキーで署名できませんでした(キャンセル、またはこのサイトのパスキーではありません)。"
                                      "処理は行われていません。"),
    "inbox.passkeys.working": ("Waiting for your authenticator…", "認証器の操作を待っています…"),
    "inbox.reject": ("Reject with passkey", "パスキーで却下"),
    "inbox.done.executed": ("You approved {id}: the quorum is met and the request executed.",
                            "{id} を承認しました。定足数を満たし、申請が執行されました。"),
    "inbox.done.counted": ("You approved {id}: your approval counts ({counted} of {needed}); it waits for the others.",
                           "{id} を承認しました。承認数 {counted}/{needed}、他の承認を待っています。"),
    "inbox.done.not_counted": ("You approved {id}, but your approval does not count toward the quorum (someone of "
                               "your organisation already counted).",
                               "{id} を承認しましたが、定足数には算入されません(同じ組織の承認が算入済み)。"),
    "inbox.done.not_executed": ("You approved {id}: the quorum is met, but the action cannot run at this moment "
                                "(the budget refuses it now); it can be executed later.",
                                "{id} を承認しました。定足数を満たしましたが、現時点では執行できません(予算上の制約)。後で執行できます。"),
    "inbox.done.rejected": ("You rejected {id}: the request is closed.", "{id} を却下しました。申請は終了しました。"),
    "inbox.error.decision_invalid": ("Choose Approve or Reject.", "承認か却下を選んでください。"),
    "inbox.error.locked_out": ("Too many wrong codes or passkeys: deciding is paused for 15 minutes. Nothing was done.",
                               "コードまたはパスキーの誤りが続いたため、決裁を15分間停止しています。処理は行われていません。"),
    "inbox.error.passkey_invalid": ("The passkey's signature does not verify for this request. Nothing was done.",
                                    "パスキーの署名がこの申請に対して検証できません。処理は行われていません。"),
    "inbox.error.passkey_unknown": ("That passkey is not one you registered. Nothing was done.",
                                    "登録済みのパスキーではありません。処理は行われていません。"),
    "inbox.error.passkey_required": ("A decision in the web is signed by your passkey: add one, then decide. "
                                     "Nothing was done.",
                                     "Webでの決裁にはパスキーによる署名が必要です。パスキーを追加してから決裁してください。"
                                     "処理は行われていません。"),
    "inbox.error.passkey_cloned": ("This passkey's signature counter went backwards: it may have been copied. "
                                   "Nothing was done; tell your security officer.",
                                   "このパスキーの署名カウンタが後退しました。複製された可能性があります。"
                                   "処理は行われていません。セキュリティ担当者に連絡してください。"),
    "inbox.error.already_decided": ("You have already decided on this request.", "この申請は決裁済みです。"),
    "inbox.error.self_approval": ("You made this request: someone else decides it.", "自分の申請は決裁できません。"),
    "inbox.error.not_an_approver": ("The policy in force does not let you decide this request.",
                                    "現行のポリシーでは、あなたはこの申請を決裁できません。"),
    "inbox.error.request_expired": ("This request has expired.", "この申請は期限切れです。"),
    "inbox.error.request_executed": ("This request was executed already.", "この申請は執行済みです。"),
    "inbox.error.request_rejected": ("This request was rejected already.", "この申請は却下済みです。"),
    "inbox.error.request_not_found": ("There is no such request.", "該当する申請はありません。"),
    "inbox.error.identity_unknown": ("Your identity is not known to the service.", "あなたのIDはサービスに登録されていません。"),
    "inbox.error.decisions_exhausted": ("This request has the most decisions it may have.", "この申請の決裁数は上限に達しています。"),
    "inbox.error.no_web_login": ("This server has no web login: decide with a signed request (the API).",
                                 "このサーバはWebサインインが無効です。署名付きAPIで決裁してください。"),
    "inbox.error.unavailable": ("The service is busy: nothing was done. Try again in a moment.",
                                "サービスが混み合っています(処理は行われていません)。しばらくして再度お試しください。"),
    "inbox.error.other": ("The decision was refused.", "決裁は受け付けられませんでした。"),
    "status.open": ("open", "決裁中"),
    "status.executed": ("executed", "執行済"),
    "status.rejected": ("rejected", "却下"),
    "status.expired": ("expired", "期限切れ"),
    "decision.approve": ("approved", "承認"),
    "decision.reject": ("rejected", "却下"),
    "request.requester": ("Requested by", "申請者"),
    "request.quorum": ("Quorum", "定足数"),
    "request.counted": ("{counted} of {needed} approvals counted", "承認 {counted}/{needed}"),
    "request.required": ("required", "必須"),
    "request.distinct": ("from distinct organisations", "異なる組織から"),
    "request.created": ("Requested (JST)", "申請日時(JST)"),
    "request.expires": ("Expires (JST)", "期限(JST)"),
    "request.accounts": ("Accounts", "口座"),
    "request.changes": ("What it changes", "変更内容"),
    "request.decisions": ("Decisions", "決裁"),
    "request.counts": ("counts", "算入"),
    "request.executed_at": ("Executed at log seq {seq}.", "ログ番号 {seq} で執行。"),
    "request.action": ("Operation", "操作"),
    "request.id": ("Operation id", "操作ID"),
    "request.fiscal_year": ("Fiscal year", "年度"),
    "request.source": ("From", "移替元"),
    "request.target": ("To", "移替先"),
    "request.node": ("Node", "ノード"),
    "request.contract": ("Contract", "契約"),
    "request.kind": ("Kind", "区分"),
    "request.account": ("Account", "口座"),
    "request.reason": ("Reason", "理由"),
    "request.identity": ("Identity", "ID"),
    "request.organisation": ("Organisation", "組織"),
    "request.roles": ("Roles", "ロール"),
    "request_kind.ryuyo": ("流用: transfer between sub-items", "流用(目間の移替え)"),
    "request_kind.iyo": ("移用: transfer between items", "移用(項間の移替え)"),
    "request_kind.carry_over": ("Carry-over (繰越)", "繰越"),
    "request_kind.reserve_release": ("Reserve-fund release (予備費使用)", "予備費使用"),
    "request_kind.obligation": ("Obligation above the threshold", "支出負担行為(閾値超)"),
    "request_kind.freeze": ("Freeze an account", "口座の凍結"),
    "request_kind.unfreeze": ("Unfreeze an account", "口座の凍結解除"),
    "request_kind.policy_change": ("Policy change", "ポリシー変更"),
    "request_kind.identity_change": ("Identity change", "IDの変更"),
    "request_kind.change_order": ("Change order (契約変更)", "契約変更"),
    "request_kind.contract_hold": ("Hold a contract's payments", "契約の支払保留"),
    "request_kind.contract_release": ("Release a contract's hold", "支払保留の解除"),
    "request.milestones": ("Milestones", "マイルストーン"),
    # contracts (ramp.web.contracts)
    "page.contracts": ("Contracts", "契約"),
    "contract": ("Contract", "契約"),
    "contracts.caption": ("Milestone contracts: what is obligated, released, pending and withheld; open one for its "
                          "milestones, who attested them, and every record in the log.",
                          "マイルストーン契約:支出負担行為・支払済・未払・留保の額。契約を開くと、マイルストーン、"
                          "検査・受領の確認者、ログの全記録を表示します。"),
    "contracts.status": ("Status", "状態"),
    "contracts.status.all": ("all", "すべて"),
    "contracts.none": ("No contracts to show.", "表示する契約はありません。"),
    "contracts.vendor": ("Vendor", "契約相手方"),
    "contracts.project": ("Project", "事業"),
    "contracts.total": ("Contract amount", "契約金額"),
    "contracts.released": ("Paid to the vendor", "支払済額"),
    "contracts.pending": ("Pending (owed, unpaid)", "未払額"),
    "contracts.penalties": ("Penalties", "遅延違約金"),
    "contracts.expires": ("Expires", "契約期限"),
    "contracts.signed": ("Signed (JST)", "契約締結(JST)"),
    "contracts.retention_held": ("Retention held", "留保金(保留中)"),
    "contracts.escrow": ("In escrow", "エスクロー残高"),
    "contracts.vendor_received": ("Vendor's wallet (all its contracts)", "契約相手方の受取総額(全契約)"),
    "contracts.trail": ("Where you are", "現在の位置"),
    "contracts.held": ("Payments held: {reason}", "支払保留中:{reason}"),
    "contracts.milestones": ("Milestones", "マイルストーン"),
    "contracts.milestone": ("Milestone", "マイルストーン"),
    "contracts.due": ("Due", "履行期限"),
    "contracts.accepted_on": ("Accepted on", "検収日"),
    "contracts.days_late": ("Days late", "遅延日数"),
    "contracts.penalty": ("Penalty", "遅延違約金"),
    "contracts.retention": ("Retention", "留保金"),
    "contracts.net": ("Net to the vendor", "支払額(差引後)"),
    "contracts.paid": ("Paid", "支払済"),
    "contracts.latency": ("Acceptance to payment", "検収から支払まで"),
    "contracts.rule": ("Acceptance: {required} of {n} attestations", "検収:{n}件中{required}件の確認"),
    "contracts.attested_by": ("attested by {who}", "{who} が確認"),
    "contracts.slot_open": ("open", "未確認"),
    "contracts.attest_slot": ("Attest “{slot}” ({claim})", "「{slot}」を確認({claim})"),
    "contracts.needs_passkey": ("To attest, add a passkey first (on the Approvals page): an attestation in the web "
                                "is your passkey's signature.",
                                "確認を記録するには、まず「承認」ページでパスキーを追加してください。"
                                "Webでの確認はあなたのパスキーによる署名です。"),
    "contracts.attest_failed": ("The passkey did not sign (cancelled, or not a passkey of this site). Nothing was written.",
                                "パスキーで署名できませんでした(キャンセル、またはこのサイトのパスキーではありません)。"
                                "記録は行われていません。"),
    "contracts.attest": ("Attest", "確認する"),
    "contracts.read_only": ("Sign in with web login to attest; here you can only read.",
                            "確認(検査・受領)にはサインインが必要です(ここでは閲覧のみ)。"),
    "contracts.attest_named": ("Attest {milestone} · {slot} with passkey", "{milestone}・{slot}をパスキーで確認する"),
    # the contractor's portal (web/portal.py) and the inspector's queue (web/queue.py)
    "page.portal": ("My contracts", "自社の契約"),
    "portal.caption": ("Your contracts only: what each milestone waits on, what you were paid (each payment opens "
                       "with its proof of inclusion in the log, checked by your browser), what is owed, the retention "
                       "held and the penalties.",
                       "自社の契約のみを表示します:各マイルストーンの待ち、受取額(各支払はログへの包含証明をブラウザで検証)、"
                       "未払額、留保金、遅延違約金。"),
    "portal.received": ("Received in your wallet", "受取額(口座)"),
    "portal.owed": ("Owed to you (unpaid, retention included)", "未払額(留保金を含む)"),
    "portal.contracts": ("Contracts", "契約"),
    "portal.waits": ("What waits on whom", "待ちの状況"),
    "portal.waits_on": ("Waits on", "待ち"),
    "portal.waits.none": ("Nothing waits: every milestone is paid or cancelled.", "待ちはありません(全マイルストーンが支払済または取消)。"),
    "portal.wait.attestation": ("attestation by {who}", "{who} の確認"),
    "portal.wait.after_milestones": ("final acceptance: after every milestone is accepted", "最終検収:全マイルストーンの検収後"),
    "portal.wait.payment_held": ("payment: the contract's payments are held", "支払:契約の支払保留中"),
    "portal.wait.payment_pending": ("payment: accepted, not yet payable", "支払:検収済、支払待ち"),
    "portal.payments": ("Payments", "支払"),
    "portal.payments.none": ("No payments yet.", "支払はまだありません。"),
    "portal.payment": ("Payment", "支払"),
    "page.attestations": ("My attestations", "確認待ち"),
    "queue.caption": ("Milestones waiting for your attestation, across contracts: open slots your role and "
                      "organisation may fill and that you have not attested.",
                      "全契約のうち、あなたの確認(検査・受領)を待つマイルストーン:あなたの役割・組織が担当でき、"
                      "まだ確認していない枠です。"),
    "queue.count": ("{n} waiting for you", "{n}件があなたの確認待ち"),
    "queue.none": ("Nothing waits for your attestation.", "あなたの確認を待つものはありません。"),
    "queue.slot": ("Slot", "確認枠"),
    "queue.attest": ("Attest {contract} · {milestone} · {slot} with passkey", "{contract}・{milestone}・{slot}をパスキーで確認する"),
    "contracts.releases": ("Releases", "支払"),
    "contracts.no_releases": ("Nothing paid yet.", "支払はまだありません。"),
    "contracts.events": ("Records in the log", "ログの記録"),
    "contracts.by": ("By", "実施者"),
    "contracts.done.paid": ("Milestone {milestone} accepted and paid {paid}.", "マイルストーン {milestone} を検収し、{paid} を支払いました。"),
    "contracts.done.retention_paid": ("Final acceptance: the retention is paid, {paid}.",
                                      "最終検収:留保金 {paid} を支払いました。"),
    "contracts.done.pending_held": ("Milestone {milestone} accepted; payment pending: the contract's payments are held.",
                                    "マイルストーン {milestone} を検収しました。支払保留中のため、支払は未了です。"),
    "contracts.done.pending_year": ("Milestone {milestone} accepted; payment pending: not payable this fiscal year "
                                    "(it is paid when its year's money is obligated or carried over).",
                                    "マイルストーン {milestone} を検収しました。今年度は支払えないため支払は未了です"
                                    "(当該年度の支出負担行為または繰越の後に支払われます)。"),
    "contracts.done.counted": ("Your attestation of {milestone} is recorded: {attested} of {required}; it waits for the others.",
                               "{milestone} の確認を記録しました:{required}件中{attested}件。残りの確認を待っています。"),
    "contracts.error.wrong_role": ("This slot is attested by another role or organisation: not by you. Nothing was written.",
                                   "この確認は別の役割・組織の担当です。記録は行われていません。"),
    "contracts.error.already_attested": ("You have attested this milestone already (one person fills one slot).",
                                         "このマイルストーンは既にあなたが確認済みです(1人1件)。"),
    "contracts.error.slot_attested": ("Someone attested this slot already.", "この確認は既に他の人が行いました。"),
    "contracts.error.milestone_accepted": ("This milestone is accepted already.", "このマイルストーンは検収済みです。"),
    "contracts.error.milestones_outstanding": ("Final acceptance comes after every milestone is accepted.",
                                               "最終検収は全マイルストーンの検収後に行います。"),
    "contracts.error.contract_expired": ("The contract has expired: nothing can be attested.", "契約期限を過ぎているため確認できません。"),
    "contracts.error.contract_completed": ("The contract is completed.", "この契約は完了しています。"),
    "contracts.error.milestone_not_found": ("There is no such milestone.", "該当するマイルストーンはありません。"),
    "contracts.error.slot_not_found": ("There is no such slot in this milestone's rule.", "該当する確認項目はありません。"),
    "contracts.error.identity_unknown": ("Your identity is not known to the service.", "あなたのIDはサービスに登録されていません。"),
    "contracts.error.locked_out": ("Too many passkeys that did not verify: attesting is paused for 15 minutes. "
                                   "Nothing was written.",
                                   "検証できないパスキーが続いたため、確認の記録を15分間停止しています。記録は行われていません。"),
    "contracts.error.passkey_required": ("An attestation in the web is signed by your passkey: add one on the "
                                         "Approvals page, then attest. Nothing was written.",
                                         "Webでの確認にはパスキーによる署名が必要です。「承認」ページでパスキーを追加してから"
                                         "確認してください。記録は行われていません。"),
    "contracts.error.passkey_invalid": ("The passkey's signature does not verify for this attestation. Nothing was written.",
                                        "パスキーの署名がこの確認に対して検証できません。記録は行われていません。"),
    "contracts.error.passkey_unknown": ("That passkey is not one you registered. Nothing was written.",
                                        "登録済みのパスキーではありません。記録は行われていません。"),
    "contracts.error.passkey_cloned": ("This passkey's signature counter went backwards: it may have been copied. "
                                       "Nothing was written; tell your security officer.",
                                       "このパスキーの署名カウンタが後退しました。複製された可能性があります。"
                                       "記録は行われていません。セキュリティ担当者に連絡してください。"),
    "contracts.error.no_web_login": ("This server has no web login: attest with a signed request (the API).",
                                     "このサーバはWebサインインが無効です。署名付きリクエスト(API)で確認してください。"),
    "contracts.error.unavailable": ("The service is busy: nothing was written. Try again in a moment.",
                                    "サービスが混み合っています(記録は行われていません)。しばらくして再度お試しください。"),
    "contracts.error.other": ("The attestation was refused. Nothing was written.", "確認は受け付けられませんでした。記録は行われていません。"),
    "contract_status.signed": ("signed", "締結済"),
    "contract_status.in_progress": ("in progress", "履行中"),
    "contract_status.held": ("held", "支払保留"),
    "contract_status.completed": ("completed", "完了"),
    "contract_status.expired": ("expired", "期限切れ"),
    "milestone_status.open": ("open", "未着手"),
    "milestone_status.attesting": ("attesting", "確認中"),
    "milestone_status.accepted": ("accepted, payment pending", "検収済・支払未了"),
    "milestone_status.released": ("paid", "支払済"),
    "milestone_status.cancelled": ("cancelled", "取消"),
    # public totals, provably complete (web/disclosure.py, static/disclosure.js)
    "totals": ("Payments, provably complete", "支出済額(完全性を検証可能)"),
    "totals.caption": ("Every payment of the year is a line of a Merkle-sum tree whose root the log commits. Your "
                       "browser checks that these totals add up to that root and that the record holding it is in "
                       "the log under its signed checkpoint. No line is shown: each contractor can check its own.",
                       "年度の全支出をマークル和木の葉とし、その根をログに記録しています。ブラウザが、この合計が根と一致し、"
                       "根を含む記録が署名付きチェックポイントの下でログに含まれることを検証します。個々の支出は表示しません"
                       "(各契約者が自社分を確認できます)。"),
    "totals.sum": ("Disbursed, all payments", "支出済額(全支出)"),
    "totals.count": ("Payments", "件数"),
    "totals.record": ("Published in", "公表記録"),
    "totals.none": ("No totals are published for this year yet.", "この年度の合計はまだ公表されていません。"),
    "payment.check": ("Payment in the public totals", "公表合計への算入確認"),
    "payment.contract": ("Contract · vendor", "契約・業者"),
    "payment.caption": ("Your browser checks the public totals, then that this payment's line (its amount, salt "
                        "and private details) leads to their root.",
                        "ブラウザが公表合計を検証し、この支出の葉(金額・ソルト・非公開の詳細)がその根に至ることを確認します。"),
    "payment.unpublished": ("This payment came after the latest published root: it is counted in the next one.",
                            "この支出は最新の公表後に行われました。次回の公表で算入されます。"),
}  # fmt: skip
assert not set(LABELS) & set(REQUEST_LABELS), "a request label given twice"
LABELS.update(REQUEST_LABELS)  # the request forms' words (ramp.web.i18n_requests)


def lang_of(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "en")
    return lang if lang in LANGS else "en"


def label(lang: str, key: str, **values: object) -> str:
    en, ja = LABELS[key]
    text = ja if lang == "ja" else en
    return text.format(**values) if values else text


def label_or(lang: str, key: str, raw: str) -> str:
    """The label of `key`, or `raw` as it is when there is none (a kind or field named by data)."""
    return label(lang, key) if key in LABELS else raw


def month_names(lang: str) -> list[str]:
    """Months of a fiscal year, April first."""
    months = [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3]
    if lang == "ja":
        return [f"{m}月" for m in months]
    names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return [names[m - 1] for m in months]

