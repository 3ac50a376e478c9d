"""Corpus-learned vectors, measured: LSA (truncated SVD of the log-tf x idf
matrix, scipy's ARPACK svds) on a BEIR dataset, alone and as a reranker of
paperboy's BM25F top 100 (the hybrid shape paperboy uses with GloVe).

  PB_RELEVANCE_RUNS=/tmp/runs build/pb-bench-relevance ../shared/data/scifact-train
  /usr/bin/python3 bench/relevance/lsa_experiment.py [K] [DATASET] [RUNS]

Needs Debian's python3-numpy and python3-scipy. Tokens: lower-cased words
with a crude suffix stripper (close to, not the same as, paperboy's).
"""
import json, re, math, collections, sys
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.linalg import svds
D=sys.argv[2] if len(sys.argv)>2 else '../shared/data/scifact-train'
RUNS=sys.argv[3] if len(sys.argv)>3 else '/tmp/runs'
docs=[json.loads(l) for l in open(D+'/corpus.jsonl')]
qs={}
for l in open(D+'/queries.jsonl'):
    o=json.loads(l); qs[o['_id']]=o['text']
qrels=collections.defaultdict(dict)
import glob
for f in glob.glob(D+'/qrels/*.tsv'):
    for i,l in enumerate(open(f)):
        p=l.split('\t')
        if i==0 and not p[-1].strip().isdigit(): continue
        qrels[p[0]][p[1]]=int(p[2])
STOP=set("a an the of and or in on for to with by is are was were be been this that these those from at as it its we our their which can not no than also into via using use based between over under".split())
def stem(w):
    for suf in ('ations','ation','ingly','ings','ing','edly','ed','ies','es','s','ly'):
        if w.endswith(suf) and len(w)-len(suf)>=3: return w[:-len(suf)]
    return w
def toks(t):
    return [stem(w) for w in re.findall(r'[a-z0-9]+', t.lower()) if w not in STOP and len(w)>1]
ids=[d['_id'] for d in docs]
tok=[toks(d.get('title','')+' '+d.get('text','')) for d in docs]
df=collections.Counter()
for t in tok: df.update(set(t))
vocab={w:i for i,w in enumerate(w for w,c in df.items() if c>=2)}
N=len(docs)
idf=np.zeros(len(vocab))
for w,i in vocab.items(): idf[i]=math.log(N/df[w])
rows=[];cols=[];vals=[]
for j,t in enumerate(tok):
    c=collections.Counter(w for w in t if w in vocab)
    for w,n in c.items():
        rows.append(j);cols.append(vocab[w]);vals.append((1+math.log(n))*idf[vocab[w]])
A=csr_matrix((vals,(rows,cols)),shape=(N,len(vocab)))
# normalize rows
nrm=np.sqrt(A.multiply(A).sum(1)).A1; nrm[nrm==0]=1
from scipy.sparse import diags
A=diags(1/nrm)@A
def qvec(text):
    c=collections.Counter(w for w in toks(text) if w in vocab)
    v=np.zeros(len(vocab))
    for w,n in c.items(): v[vocab[w]]=(1+math.log(n))*idf[vocab[w]]
    return v
bm={}
for l in open(RUNS+'/bm25.run'):
    q,_,d,r,s,_=l.split(); bm.setdefault(q,[]).append((d,float(s)))
def ndcg(q, ranked):
    rel=qrels[q]; dcg=sum((2**rel.get(d,0)-1)/math.log2(i+2) for i,d in enumerate(ranked[:10]))
    ideal=sorted(rel.values(),reverse=True)[:10]; idcg=sum((2**r-1)/math.log2(i+2) for i,r in enumerate(ideal))
    return dcg/idcg if idcg else 0
judged=[q for q in qs if q in qrels]
print('bm25 (paperboy run):', np.mean([ndcg(q,[d for d,_ in bm.get(q,[])]) for q in judged]))
idx={d:i for i,d in enumerate(ids)}
for k in (int(sys.argv[1]) if len(sys.argv)>1 else 150,):
    U,S,Vt=svds(A,k=k)
    docv=U*S; docv/=np.linalg.norm(docv,axis=1,keepdims=True)+1e-9
    def lsa_scores(q):
        v=qvec(qs[q]); p=Vt@v; p/=np.linalg.norm(p)+1e-9
        return docv@p
    sem={q:lsa_scores(q) for q in judged}
    print('k',k,'lsa alone', np.mean([ndcg(q,[ids[i] for i in np.argsort(-sem[q])[:10]]) for q in judged]))
    for lam in (0.1,0.2,0.3,0.5):
        res=[]
        for q in judged:
            lst=bm.get(q,[])
            if not lst: res.append(0); continue
            mx=lst[0][1]; mn=lst[-1][1]
            sc=[((s-mn)/(mx-mn+1e-9))+lam*sem[q][idx[d]] for d,s in lst]
            order=[lst[i][0] for i in np.argsort(-np.array(sc))]
            res.append(ndcg(q,order))
        print('  rerank lam',lam,np.mean(res))
    for kk in (60,):
        res=[]
        for q in judged:
            lst=bm.get(q,[])
            r1={d:i for i,(d,_) in enumerate(lst)}
            top=np.argsort(-sem[q])[:100]
            r2={ids[i]:j for j,i in enumerate(top)}
            alld=set(r1)|set(r2)
            f={d:(1/(kk+r1[d]) if d in r1 else 0)+0.5*(1/(kk+r2[d]) if d in r2 else 0) for d in alld}
            res.append(ndcg(q,sorted(f,key=lambda d:-f[d])))
        print('  rrf 0.5',np.mean(res))
