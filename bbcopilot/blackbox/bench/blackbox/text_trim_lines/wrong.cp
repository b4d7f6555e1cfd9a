MODULE BenchTextTrim;

	IMPORT TextModels;

	(* Trims before each separator only: the last line, which ends at the end of the text, keeps its blanks. *)
	PROCEDURE TrimLines* (t: TextModels.Model): INTEGER;
		VAR r: TextModels.Reader; pos, trailEnd, n: INTEGER; inTrail: BOOLEAN; ch: CHAR;
	BEGIN
		r := t.NewReader(NIL); n := 0;
		pos := t.Length(); trailEnd := pos; inTrail := FALSE;
		WHILE pos > 0 DO
			r.SetPos(pos - 1); r.ReadChar(ch);
			IF (ch = " ") OR (ch = TextModels.tab) THEN
			ELSE
				IF inTrail & (trailEnd > pos) THEN t.Delete(pos, trailEnd); INC(n, trailEnd - pos) END;
				inTrail := (ch = TextModels.line) OR (ch = TextModels.para); trailEnd := pos - 1
			END;
			DEC(pos)
		END;
		IF inTrail & (trailEnd > 0) THEN t.Delete(0, trailEnd); INC(n, trailEnd) END;
		RETURN n
	END TrimLines;

END BenchTextTrim.
