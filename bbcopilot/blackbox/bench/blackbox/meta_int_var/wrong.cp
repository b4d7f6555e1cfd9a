MODULE BenchMetaIntVar;

	IMPORT Meta;

	(* Checks that the path names a variable, not that it is an INTEGER one. *)
	PROCEDURE IntVar* (IN path: ARRAY OF CHAR; OUT ok: BOOLEAN): INTEGER;
		VAR item: Meta.Item;
	BEGIN
		Meta.LookupPath(path, item);
		ok := item.obj = Meta.varObj;
		IF ok THEN RETURN item.IntVal() ELSE RETURN 0 END
	END IntVar;

END BenchMetaIntVar.
