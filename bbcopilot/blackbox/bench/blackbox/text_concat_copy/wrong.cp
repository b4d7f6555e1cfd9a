MODULE BenchTextConcat;

	IMPORT TextModels;

	(* Append reads like "append a copy", but it moves the text: a and b are left empty. *)
	PROCEDURE Concat* (a, b: TextModels.Model): TextModels.Model;
		VAR t: TextModels.Model; w: TextModels.Writer;
	BEGIN
		t := TextModels.dir.New();
		t.Append(a);
		w := t.NewWriter(NIL); w.WriteChar(TextModels.line);
		t.Append(b);
		RETURN t
	END Concat;

END BenchTextConcat.
