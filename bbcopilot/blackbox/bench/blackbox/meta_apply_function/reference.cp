MODULE BenchMetaApply;

	IMPORT Meta;

	TYPE
		Function = RECORD (Meta.Value)
			fun: PROCEDURE (x: REAL): REAL
		END;

	PROCEDURE Apply* (IN path: ARRAY OF CHAR; x: REAL; OUT ok: BOOLEAN): REAL;
		VAR item: Meta.Item; f: Function;
	BEGIN
		Meta.LookupPath(path, item);
		ok := item.obj = Meta.procObj;
		IF ok THEN item.GetVal(f, ok) END;
		IF ok THEN RETURN f.fun(x) ELSE RETURN 0 END
	END Apply;

END BenchMetaApply.
