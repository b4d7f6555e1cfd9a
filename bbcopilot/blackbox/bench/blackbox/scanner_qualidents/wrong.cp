MODULE BenchScanNames;

	IMPORT TextModels, TextMappers, BenchTypes;

	(* Without the option returnQualIdents the scanner returns "StdLog", "." and "String" apart. *)
	TYPE Name = POINTER TO RECORD next: Name; s: BenchTypes.String END;

	(* Whether the string just scanned by s was written in quotes. *)
	PROCEDURE Quoted (VAR s: TextMappers.Scanner; t: TextModels.Model): BOOLEAN;
		VAR r: TextModels.Reader; ch: CHAR;
	BEGIN
		r := t.NewReader(NIL); r.SetPos(s.start); r.ReadChar(ch);
		RETURN (ch = '"') OR (ch = "'")
	END Quoted;

	PROCEDURE Names* (t: TextModels.Model): BenchTypes.StringList;
		VAR s: TextMappers.Scanner; first, last, p: Name; n, i: INTEGER; list: BenchTypes.StringList;
	BEGIN
		first := NIL; last := NIL; n := 0;
		s.ConnectTo(t); s.Scan;
		WHILE s.type # TextMappers.eot DO
			IF (s.type = TextMappers.string) & ~Quoted(s, t) THEN
				NEW(p); p.s := BenchTypes.NewString(s.string);
				IF last = NIL THEN first := p ELSE last.next := p END;
				last := p; INC(n)
			END;
			s.Scan
		END;
		IF n = 0 THEN RETURN NIL END;	(* an open array cannot have length 0 *)
		NEW(list, n); p := first;
		FOR i := 0 TO n - 1 DO list[i] := p.s; p := p.next END;
		RETURN list
	END Names;

END BenchScanNames.
