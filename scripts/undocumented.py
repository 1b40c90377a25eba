import re,sys,os
# Lists public types, functions and initialisers without a /// doc comment directly above (attributes may sit between).
decl=re.compile(r'(@[\w.]+(\([^)]*\))?\s+)*(public|open)\s+((final|static|nonisolated(\(unsafe\))?|mutating|override|indirect|convenience|required)\s+)*(func|init|struct|enum|class|protocol|typealias|actor|subscript)\b')
total=0; missing=[]
for root in sys.argv[1:]:
  for dp,_,fs in os.walk(root):
    for f in sorted(fs):
      if not f.endswith('.swift'): continue
      p=os.path.join(dp,f); lines=open(p).read().split('\n')
      for i,l in enumerate(lines):
        s=l.strip()
        if not decl.match(s): continue
        total+=1
        j=i-1
        while j>=0 and lines[j].strip().startswith('@'): j-=1
        if j>=0 and lines[j].strip().startswith('///'): continue
        missing.append(f"{p}:{i+1}: {s[:110]}")
print(f"{total-len(missing)}/{total} public types, functions and initialisers documented")
try:
  for m in missing: print(m)
except BrokenPipeError: pass
