MODULE BenchDrawView;

	IMPORT Fonts, Ports, Views;

	TYPE
		View* = POINTER TO RECORD (Views.View)
			label-: ARRAY 64 OF CHAR;
			color-: Ports.Color
		END;

	PROCEDURE (v: View) Restore* (f: Views.Frame; l, t, r, b: INTEGER);
		VAR w, h: INTEGER;
	BEGIN
		v.context.GetSize(w, h);
		f.DrawRect(0, 0, w, h, Ports.fill, v.color);
		f.DrawRect(0, 0, w, h, f.dot, Ports.black);
		f.DrawString(2 * Ports.mm, h - 2 * Ports.mm, Ports.black, v.label, Fonts.dir.Default())
	END Restore;

	PROCEDURE New* (IN label: ARRAY OF CHAR; color: Ports.Color): View;
		VAR v: View;
	BEGIN
		NEW(v); v.label := label$; v.color := color;
		RETURN v
	END New;

END BenchDrawView.
