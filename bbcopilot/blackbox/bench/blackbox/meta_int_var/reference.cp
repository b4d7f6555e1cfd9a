MODULE BenchMetaIntVar;

	IMPORT Meta;

	PROCEDURE IntVar* (IN path: ARRAY OF CHAR; OUT ok: BOOLEAN): INTEGER;
		VAR item: Meta.Item;
	BEGIN
		Meta.LookupPath(path, item);
		ok := (item.obj = Meta.varObj) & (item.typ = Meta.intTyp);
		IF ok THEN RETURN item.IntVal() ELSE RETURN 0 END
	END IntVar;

END BenchMetaIntVar.
