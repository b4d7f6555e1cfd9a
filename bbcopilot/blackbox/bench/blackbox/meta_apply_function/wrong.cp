MODULE BenchMetaApply;

	IMPORT Meta;

	TYPE
		Function = RECORD (Meta.Value)
			fun: PROCEDURE (x: REAL): REAL
		END;

	(* Trusts GetVal once the path names a procedure: its ok (the signature matched) is not checked. *)
	PROCEDURE Apply* (IN path: ARRAY OF CHAR; x: REAL; OUT ok: BOOLEAN): REAL;
		VAR item: Meta.Item; f: Function; copied: BOOLEAN;
	BEGIN
		Meta.LookupPath(path, item);
		ok := item.obj = Meta.procObj;
		IF ok THEN item.GetVal(f, copied); RETURN f.fun(x) ELSE RETURN 0 END
	END Apply;

END BenchMetaApply.
